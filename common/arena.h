/* arena.h — a region allocator for building one RPC's protobuf-c response: everything allocated
 * from it is freed at once by arena_free. */
#ifndef WEIR_ARENA_H
#define WEIR_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk_t;
typedef struct {
    arena_chunk_t *head;
    int failed; /* set when any allocation failed; callers check once at the end */
} arena_t;

void arena_init(arena_t *arena);
void arena_free(arena_t *arena);
/* Zeroed memory owned by the arena; NULL (and failed set) when out of memory. */
void *arena_alloc(arena_t *arena, size_t size);
char *arena_strdup(arena_t *arena, const char *text);
char *arena_strndup(arena_t *arena, const char *text, size_t len);
/* Arrays of `count` pointers. */
#define ARENA_ARRAY(arena, type, count) ((type *)arena_alloc((arena), sizeof(type) * ((count) ? (count) : 1)))

#endif
