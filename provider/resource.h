/* resource.h — generic resource behaviour driven by the spec tables: planning, state from agent
 * objects, and the spec JSON sent at apply. No agent I/O here. */
#ifndef WEIR_RESOURCE_H
#define WEIR_RESOURCE_H

#include "agent_api.h"
#include "spec.h"
#include "value.h"

typedef struct {
    spec_step_t steps[SPEC_MAX_PATH];
    int len;
} res_path_t;

typedef struct {
    res_path_t items[64]; /* a kind has far fewer force-new attributes than this */
    size_t count;
} res_paths_t;

/* Validates configuration (unknowns skipped). */
void res_validate_config(const spec_kind_t *kind, const wv_t *config, spec_diags_t *diags);

/* Plans a create (prior null) or update. Returns the planned state (new) and fills `replace` with
 * the force-new attributes that change. `proposed` and `config` must be non-null objects. */
wv_t *res_plan(const spec_kind_t *kind, const wv_t *prior, const wv_t *proposed, const wv_t *config,
               res_paths_t *replace, spec_diags_t *diags);

/* The state for an agent object: its spec plus id, write-only attributes null. */
wv_t *res_state_from_object(const spec_kind_t *kind, const agent_object_t *object, weir_err_t *err);

/* What to send at apply: spec JSON (write-only and metadata removed) and the write-only values
 * from config as a JSON object ("" when there are none). Both returned new. */
weir_status_t res_agent_payload(const spec_kind_t *kind, const wv_t *planned, const wv_t *config, char **spec_json,
                                char **write_only_json, weir_err_t *err) WEIR_MUSTCHECK;

/* Private bytes carry the generation the state was read at, for optimistic concurrency. */
int res_private_format(int64_t generation, char *out, size_t size);
int64_t res_private_generation(const uint8_t *data, size_t len);

#endif
