/* sealer.h — encryption at rest for the secrets the agent stores (write-only attributes such as
 * password_wo): AES-256-GCM under a data key that lives only in memory. The key comes from a key
 * file, or is an AWS KMS data key (envelope encryption: only its KMS-encrypted form is on disk,
 * and KMS decrypts it when the agent starts). Sealed text: "weir-sealed:v1:" + base64(nonce ||
 * ciphertext || tag); the object's kind and name are authenticated with it, so a sealed value
 * copied to another object does not open. */
#ifndef WEIR_SEALER_H
#define WEIR_SEALER_H

#include <stdbool.h>

#include "status.h"

#define SEALER_PREFIX "weir-sealed:v1:"

typedef struct sealer sealer_t;

/* A key file holds 32 random bytes, raw or base64 (`openssl rand -base64 32`). */
weir_status_t sealer_from_key_file(const char *path, sealer_t **out, weir_err_t *err) WEIR_MUSTCHECK;
/* Creates `path` with a fresh random key (0600) unless it exists; then as sealer_from_key_file. */
weir_status_t sealer_from_new_key_file(const char *path, sealer_t **out, weir_err_t *err) WEIR_MUSTCHECK;
/* Envelope encryption: `blob_path` holds the KMS-encrypted data key; absent, a new data key is
 * generated under `kms_key_id` and its encrypted form written there. */
weir_status_t sealer_from_kms(const char *kms_key_id, const char *blob_path, sealer_t **out,
                              weir_err_t *err) WEIR_MUSTCHECK;
void sealer_free(sealer_t *sealer);

/* Returns new sealed text for `plain`, bound to `context` (e.g. "source_postgres/payments"). */
char *sealer_seal(const sealer_t *sealer, const char *context, const char *plain, weir_err_t *err);
/* Returns the new plain text, or NULL when the text was not sealed by this key for this context. */
char *sealer_open(const sealer_t *sealer, const char *context, const char *sealed, weir_err_t *err);
bool sealer_is_sealed(const char *text);

/* Streams for sealing files (stage chunks): header, then ciphertext as long as the plain text,
 * then the tag. The file starts with SEALER_FILE_MAGIC and the nonce (SEALER_FILE_HEADER bytes). */
#define SEALER_FILE_MAGIC "WEIRSTG1"
#define SEALER_FILE_HEADER 20
#define SEALER_FILE_TAG 16

typedef struct sealer_stream sealer_stream_t;

/* Starts encrypting; writes the header to `header`. */
sealer_stream_t *sealer_stream_encrypt(const sealer_t *sealer, const char *context,
                                       unsigned char header[SEALER_FILE_HEADER]);
/* Starts decrypting a file whose first bytes are `header`; NULL when they are not a sealed file's. */
sealer_stream_t *sealer_stream_decrypt(const sealer_t *sealer, const char *context,
                                       const unsigned char header[SEALER_FILE_HEADER]);
/* Transforms `len` bytes into `out` (room for `len`). */
weir_status_t sealer_stream_update(sealer_stream_t *stream, const unsigned char *in, size_t len,
                                   unsigned char *out) WEIR_MUSTCHECK;
/* Encrypting: writes the tag. Decrypting: checks it; WEIR_ERR_AUTH when the data was altered. */
weir_status_t sealer_stream_finish(sealer_stream_t *stream, unsigned char tag[SEALER_FILE_TAG]) WEIR_MUSTCHECK;
void sealer_stream_free(sealer_stream_t *stream);
bool sealer_file_header_is_sealed(const unsigned char *bytes, size_t len);

#endif
