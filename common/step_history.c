// step_history.c: see step_history.h. Introduced in chapter 02.
#include "step_history.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

char *step_history_json(const StepHistory *h) {
    StrBuf sb;
    sb_init(&sb);
    const float *curves[2] = {h->loss, h->grad_norm};
    static const char *const keys[2] = {"loss", "grad_norm"};
    sb_puts(&sb, "{");
    for (int c = 0; c < 2; c++) {
        sb_printf(&sb, "%s\"%s\":[", c ? "," : "", keys[c]);
        for (int s = 0; s < h->done; s++) {
            if (s) sb_puts(&sb, ",");
            json_write_float_exact(&sb, curves[c][s]);
        }
        sb_puts(&sb, "]");
    }
    sb_printf(&sb, ",\"diverged_step\":%d,\"diverged_what\":", h->diverged_step);
    json_write_string(&sb, h->diverged_what, strlen(h->diverged_what));
    sb_puts(&sb, "}");
    return sb.s;
}

int step_history_read(StepHistory *h, const char *text, char *err, size_t errlen) {
    Json doc;
    if (!text) return snprintf(err, errlen, "no training history in the checkpoint"), 0;
    if (!json_parse(&doc, text, strlen(text), err, errlen)) return 0;
    const JsonNode *root = json_root(&doc);
    const JsonNode *curves[2] = {json_get(&doc, root, "loss"), json_get(&doc, root, "grad_norm")};
    const JsonNode *dstep = json_get(&doc, root, "diverged_step"), *dwhat = json_get(&doc, root, "diverged_what");
    int ok = curves[0] && curves[1] && dstep && dwhat && curves[0]->type == JSON_ARRAY &&
             curves[1]->type == JSON_ARRAY && curves[0]->count == curves[1]->count && dstep->type == JSON_NUMBER &&
             dwhat->type == JSON_STRING && dstep->number >= -1 && dstep->number < curves[0]->count;
    if (!ok) snprintf(err, errlen, "the training history in the checkpoint is malformed");
    else if (curves[0]->count > h->capacity)
        ok = 0, snprintf(err, errlen, "the checkpoint has done %d updates, more than the %d asked for", curves[0]->count,
                         h->capacity);
    float *dst[2] = {h->loss, h->grad_norm};
    for (int c = 0; c < 2 && ok; c++) {
        int s = 0;
        for (const JsonNode *v = json_first(&doc, curves[c]); v && ok; v = json_next(&doc, v))
            if (!json_read_float_exact(v, &dst[c][s++]))
                ok = 0, snprintf(err, errlen, "the training history in the checkpoint is malformed");
    }
    if (ok) {
        h->done = curves[0]->count;
        h->diverged_step = (int)dstep->number;
        snprintf(h->diverged_what, h->diverged_what_size, "%s", dwhat->str);
    }
    json_free(&doc);
    return ok;
}
