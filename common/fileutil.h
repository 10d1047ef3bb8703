/* fileutil.h — whole-file reads and writes with a size cap; creating a directory tree, removing a
 * flat directory; names made safe as path components. */
#ifndef WEIR_FILEUTIL_H
#define WEIR_FILEUTIL_H

#include <stddef.h>

#include "status.h"

/* Returns new NUL-terminated contents, or NULL with err filled (missing, unreadable, larger than max). */
char *file_read_all(const char *path, size_t max_bytes, weir_err_t *err);
/* Writes atomically (temp file + rename) with the given mode. */
weir_status_t file_write_all(const char *path, const char *data, size_t len, int mode, weir_err_t *err) WEIR_MUSTCHECK;
/* `mkdir -p`: creates `path` and any missing parents with `mode` (parents that exist keep theirs).
 * An existing directory is fine; an existing non-directory anywhere on the path is an error. */
weir_status_t dir_make_all(const char *path, int mode, weir_err_t *err) WEIR_MUSTCHECK;
/* Removes the files of `dir` (not subdirectories' contents) and then `dir`; absent is fine. */
void dir_remove_flat(const char *dir);
/* `name` as one safe path component (or S3 key segment): every byte but letters, digits, '-' and
 * '_' becomes '_', so no name can climb out of its directory or need quoting. */
void path_component(const char *name, char *out, size_t size);

#endif
