/* fileutil.c — bounded file reads, atomic writes, flat directory removal. */
#include "fileutil.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *file_read_all(const char *path, size_t max_bytes, weir_err_t *err)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        weir_err_set(err, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *grown = realloc(data, cap + 1);
            if (!grown) {
                weir_err_set(err, "out of memory reading %s", path);
                goto fail;
            }
            data = grown;
        }
        size_t got = fread(data + len, 1, cap - len, file);
        len += got;
        if (len > max_bytes) {
            weir_err_set(err, "%s is larger than %zu bytes", path, max_bytes);
            goto fail;
        }
        if (got == 0)
            break;
    }
    if (ferror(file)) {
        weir_err_set(err, "cannot read %s", path);
        goto fail;
    }
    fclose(file);
    data[len] = 0;
    return data;
fail:
    fclose(file);
    free(data);
    return NULL;
}

weir_status_t file_write_all(const char *path, const char *data, size_t len, int mode, weir_err_t *err)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
        weir_err_set(err, "path too long: %s", path);
        return WEIR_ERR_INVALID;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        weir_err_set(err, "cannot create %s: %s", tmp, strerror(errno));
        return WEIR_ERR_IO;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            weir_err_set(err, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return WEIR_ERR_IO;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        weir_err_set(err, "cannot finish writing %s: %s", path, strerror(errno));
        unlink(tmp);
        return WEIR_ERR_IO;
    }
    return WEIR_OK;
}

void dir_remove_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (entry->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

weir_status_t dir_make_all(const char *path, int mode, weir_err_t *err)
{
    char partial[4096];
    int written = snprintf(partial, sizeof partial, "%s", path);
    if (written < 0 || (size_t)written >= sizeof partial) {
        weir_err_set(err, "directory path is longer than %zu bytes: %.200s…", sizeof partial - 1, path);
        return WEIR_ERR_INVALID;
    }
    for (char *p = partial + 1;; p++) {
        bool end = *p == 0;
        if (*p != '/' && !end)
            continue;
        *p = 0;
        if (mkdir(partial, (mode_t)mode) != 0 && errno != EEXIST) {
            weir_err_set(err, "cannot create %s: %s", partial, strerror(errno));
            return WEIR_ERR_IO;
        }
        if (end)
            break;
        *p = '/';
    }
    return WEIR_OK;
}
