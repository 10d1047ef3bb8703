/* fileutil.c — bounded file reads, atomic writes, directory trees, flat directory removal. */
#include "fileutil.h"

#include <stdbool.h>

#include <dirent.h>
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

static weir_status_t make_one(const char *path, int mode, weir_err_t *err)
{
    if (mkdir(path, (mode_t)mode) == 0)
        return WEIR_OK;
    int saved = errno;
    struct stat st;
    if (saved == EEXIST && stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return WEIR_OK;
        weir_err_set(err, "cannot create directory %s: a file of that name is in the way", path);
        return WEIR_ERR_IO;
    }
    weir_err_set(err, "cannot create directory %s: %s", path, strerror(saved));
    return WEIR_ERR_IO;
}

weir_status_t dir_make_all(const char *path, int mode, weir_err_t *err)
{
    if (!path || !*path) {
        weir_err_set(err, "cannot create a directory with an empty path");
        return WEIR_ERR_INVALID;
    }
    char *partial = strdup(path);
    if (!partial) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    weir_status_t result = WEIR_OK;
    /* Each parent in turn ("a", "a/b", ...); repeated and trailing slashes make empty steps. */
    for (char *p = partial + 1; *p && result == WEIR_OK; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = 0;
        result = make_one(partial, mode, err);
        *p = '/';
    }
    if (result == WEIR_OK)
        result = make_one(partial, mode, err);
    free(partial);
    return result;
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
        /* A cut path could name another file: one that does not fit is left alone. */
        int n = snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        if (n > 0 && (size_t)n < sizeof path)
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void path_component(const char *name, char *out, size_t size)
{
    if (!size)
        return;
    size_t used = 0;
    for (const char *p = name; *p && used + 1 < size; p++) {
        char c = *p;
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        out[used++] = safe ? c : '_';
    }
    out[used] = 0;
}
