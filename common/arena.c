/* arena.c — one malloc per allocation, chained for a single free; responses are small. */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk_t *next;
    max_align_t data[];
};

void arena_init(arena_t *arena)
{
    arena->head = NULL;
    arena->failed = 0;
}

void arena_free(arena_t *arena)
{
    while (arena->head) {
        arena_chunk_t *next = arena->head->next;
        free(arena->head);
        arena->head = next;
    }
}

void *arena_alloc(arena_t *arena, size_t size)
{
    arena_chunk_t *chunk = calloc(1, sizeof *chunk + size);
    if (!chunk) {
        arena->failed = 1;
        return NULL;
    }
    chunk->next = arena->head;
    arena->head = chunk;
    return chunk->data;
}

char *arena_strndup(arena_t *arena, const char *text, size_t len)
{
    char *copy = arena_alloc(arena, len + 1);
    if (copy)
        memcpy(copy, text, len);
    return copy;
}

char *arena_strdup(arena_t *arena, const char *text)
{
    return arena_strndup(arena, text, strlen(text));
}
