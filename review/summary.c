/* summary.c — Markdown for the pull-request comment. */
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* Findings listed when even the compact form is too long. */
#define SUMMARY_COMPACT_FINDINGS 50

typedef enum { FULL, NO_DETAILS, FEW_FINDINGS } detail_t;

static void label(md_t *md, const plan_t *plan)
{
    md_text(md, plan->env);
    md_puts(md, " / ");
    md_text(md, plan->unit);
}

static void totals(md_t *md, const review_t *review)
{
    md_puts(md,
            "| environment | unit | create | update | replace | delete | data impact |\n"
            "|---|---|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < review->plan_count; i++) {
        const plan_t *plan = review->plans[i];
        review_counts_t n = review_count(plan, NULL);
        md_puts(md, "| ");
        md_text(md, plan->env);
        md_puts(md, " | ");
        md_text(md, plan->unit);
        md_printf(md, " | %zu | %zu | %zu | %zu | %zu |\n", n.create, n.update, n.replace, n.remove,
                  review_impact_count(review, plan));
    }
    md_puts(md, "\n");
}

static void findings(md_t *md, const review_t *review, detail_t detail)
{
    const impacts_t *impacts = &review->impacts;
    md_printf(md, "### Data impact (%zu)\n\n", impacts->count);
    if (impacts->count == 0) {
        md_puts(md,
                "None: no pipeline or table reloads, no destroyed source or destination, no new "
                "backfill, no loosened quality check, no slower schedule, no disabled pipeline.\n\n");
        return;
    }
    size_t shown =
        detail == FEW_FINDINGS && impacts->count > SUMMARY_COMPACT_FINDINGS ? SUMMARY_COMPACT_FINDINGS : impacts->count;
    for (size_t i = 0; i < shown; i++) {
        const impact_t *item = &impacts->items[i];
        md_puts(md, "- **");
        label(md, item->plan);
        md_puts(md, "** ");
        md_code(md, item->address, false);
        md_puts(md, " — ");
        md_puts(md, item->text);
        md_puts(md, ".\n");
    }
    if (shown < impacts->count)
        md_printf(md, "- … and %zu more findings, left out to fit the comment size limit.\n", impacts->count - shown);
    md_puts(md, "\n");
}

static void run_report(md_t *md, const review_t *review)
{
    const tg_report_t *report = &review->report;
    if (report->count == 0)
        return;
    md_puts(md, "### Terragrunt run\n\n| environment | unit | result | reason | plan |\n|---|---|---|---|---|\n");
    /* Failed runs first, so the bad news leads; within each pass in review order (review_finish). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < report->count; i++) {
            const tg_run_t *run = &report->runs[i];
            if (tg_run_ok(run) != (pass == 1))
                continue;
            md_puts(md, "| ");
            md_text(md, run->env[0] ? run->env : "-");
            md_puts(md, " | ");
            md_text(md, run->unit);
            md_puts(md, " | ");
            if (!tg_run_ok(run))
                md_puts(md, "**");
            md_text(md, run->result);
            if (!tg_run_ok(run))
                md_puts(md, "**");
            md_puts(md, " | ");
            md_text(md, run->reason ? run->reason : "");
            md_puts(md, review_find_plan(review, run->env, run->unit) ? " | reviewed |\n" : " | no plan given |\n");
        }
    }
    md_puts(md, "\n");
}

static void kinds_table(md_t *md, const plan_t *plan)
{
    md_puts(md, "| resource kind | create | update | replace | delete |\n|---|---:|---:|---:|---:|\n");
    const char *previous = NULL;
    /* Changes are sorted by address, not type: walk types in sorted order without a set. */
    for (;;) {
        const char *next = NULL;
        for (size_t i = 0; i < plan->count; i++) {
            const plan_change_t *c = &plan->changes[i];
            if (!c->managed || c->action == PLAN_NOOP || c->action == PLAN_READ)
                continue;
            if ((!previous || strcmp(c->type, previous) > 0) && (!next || strcmp(c->type, next) < 0))
                next = c->type;
        }
        if (!next)
            break;
        review_counts_t n = review_count(plan, next);
        if (n.create + n.update + n.replace + n.remove > 0) {
            md_puts(md, "| ");
            md_code(md, next, true);
            md_printf(md, " | %zu | %zu | %zu | %zu |\n", n.create, n.update, n.replace, n.remove);
        }
        previous = next;
    }
    md_puts(md, "\n");
}

static weir_status_t attributes(md_t *md, const plan_t *plan, weir_err_t *err)
{
    size_t changed = 0;
    for (size_t i = 0; i < plan->count; i++) {
        plan_action_t a = plan->changes[i].action;
        changed += plan->changes[i].managed && a != PLAN_NOOP && a != PLAN_READ;
    }
    if (changed == 0)
        return WEIR_OK;
    md_printf(md, "<details><summary>Changed attributes (%zu resource%s)</summary>\n\n", changed,
              changed == 1 ? "" : "s");
    for (size_t i = 0; i < plan->count; i++) {
        const plan_change_t *c = &plan->changes[i];
        if (!c->managed || c->action == PLAN_NOOP || c->action == PLAN_READ)
            continue;
        md_puts(md, "**");
        md_code(md, c->address, false);
        md_printf(md, "** — %s%s\n\n", plan_action_text(c->action), c->importing ? " (import)" : "");
        if (c->action == PLAN_FORGET) {
            md_puts(md, "Removed from the state only; the object stays on the agent.\n\n");
            continue;
        }
        diff_t diff;
        diff_init(&diff);
        weir_status_t result = diff_change(c, &diff, err);
        if (result != WEIR_OK) {
            diff_free(&diff);
            return result;
        }
        if (diff.count > 0) {
            md_puts(md, "| attribute | before | after |\n|---|---|---|\n");
            for (size_t j = 0; j < diff.count; j++) {
                const diff_attr_t *attr = &diff.items[j];
                md_puts(md, "| ");
                md_code(md, attr->path, true);
                md_puts(md, " | ");
                if (attr->before)
                    md_code(md, attr->before, true);
                md_puts(md, " | ");
                if (attr->after)
                    md_code(md, attr->after, true);
                else if (attr->before)
                    md_puts(md, "(removed)");
                if (attr->forces_replacement)
                    md_puts(md, " — forces replacement");
                md_puts(md, " |\n");
            }
            md_puts(md, "\n");
        }
        diff_free(&diff);
    }
    md_puts(md, "</details>\n\n");
    return WEIR_OK;
}

static weir_status_t render(md_t *md, const review_t *review, detail_t detail, weir_err_t *err)
{
    review_counts_t all = {0};
    for (size_t i = 0; i < review->plan_count; i++) {
        review_counts_t n = review_count(review->plans[i], NULL);
        all.create += n.create;
        all.update += n.update;
        all.replace += n.replace;
        all.remove += n.remove;
    }
    md_puts(md, "## Weir plan review\n\n");
    md_printf(md,
              "%zu plan%s: %zu to create, %zu to update, %zu to replace, %zu to delete; "
              "**%zu data-impact finding%s**.\n\n",
              review->plan_count, review->plan_count == 1 ? "" : "s", all.create, all.update, all.replace, all.remove,
              review->impacts.count, review->impacts.count == 1 ? "" : "s");
    totals(md, review);
    findings(md, review, detail);
    run_report(md, review);
    if (detail != FULL)
        md_puts(md,
                "_Attribute tables are left out to fit the comment size limit; run the tool "
                "locally or read the CI job's artifact for them._\n\n");
    for (size_t i = 0; i < review->plan_count; i++) {
        const plan_t *plan = review->plans[i];
        md_puts(md, "### ");
        label(md, plan);
        md_puts(md, "\n\n");
        if (plan->errored)
            md_puts(md, "**The plan stopped on an error: it is incomplete and must not be applied.**\n\n");
        if (plan->drift_count > 0)
            md_printf(md, "%zu resource%s changed outside OpenTofu since the last apply (drift).\n\n",
                      plan->drift_count, plan->drift_count == 1 ? "" : "s");
        review_counts_t n = review_count(plan, NULL);
        if (n.import || n.forget)
            md_printf(md, "%zu to import, %zu to forget (removed from state, not destroyed).\n\n", n.import, n.forget);
        if (n.create + n.update + n.replace + n.remove + n.forget == 0) {
            md_puts(md, "No changes.\n\n");
            continue;
        }
        kinds_table(md, plan);
        if (detail == FULL) {
            weir_status_t result = attributes(md, plan, err);
            if (result != WEIR_OK)
                return result;
        }
    }
    if (md->result != WEIR_OK && md->result != WEIR_ERR_TOO_BIG)
        weir_err_set(err, "cannot write the summary: %s", weir_status_text(md->result));
    return md->result;
}

char *summary_render(const review_t *review, size_t max_bytes, weir_err_t *err)
{
    static const detail_t levels[] = {FULL, NO_DETAILS, FEW_FINDINGS};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        md_t md;
        md_init(&md, max_bytes);
        weir_status_t result = render(&md, review, levels[i], err);
        if (result == WEIR_OK) {
            char *text = buf_steal(&md.buf);
            if (!text)
                weir_err_set(err, "out of memory");
            return text;
        }
        md_free(&md);
        if (result != WEIR_ERR_TOO_BIG)
            return NULL;
    }
    weir_err_set(err, "the summary does not fit in %zu bytes even without attribute tables", max_bytes);
    return NULL;
}
