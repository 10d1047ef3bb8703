/* object_status.h — the `status` the agent reports with an object: for a pipeline, each table's
 * committed watermark and newest regular run, whether an operator paused it, its backfills'
 * progress and the latest result of each of its quality checks;
 * for a backfill, its progress; for a quality check, its latest result. */
#ifndef WEIR_OBJECT_STATUS_H
#define WEIR_OBJECT_STATUS_H

#include "agent_api.h"
#include "store.h"

/* Replaces object->status_json with what the store knows now, when the kind has a runtime status;
 * leaves it alone otherwise or when the store cannot answer. */
void object_status_fill(store_t *store, agent_object_t *object);

#endif
