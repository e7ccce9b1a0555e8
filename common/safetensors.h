// safetensors.h: reading and writing the safetensors file format.
// Introduced in issue 6 (data pipeline); checkpoint.h builds model checkpoints on it.
//
// The format (huggingface/safetensors), all of it:
//     8 bytes    N, the header length, an unsigned 64-bit little-endian integer
//     N bytes    a JSON object, padded with spaces (we pad so that 8 + N is a multiple of 8):
//                {"__metadata__": {"key": "string value", ...},
//                 "encoder.embedding.weight": {"dtype": "F32", "shape": [7853, 256],
//                                              "data_offsets": [0, 8041472]}, ...}
//     the rest   the data section: each tensor's bytes, row-major, little-endian, at
//                [begin, end) relative to the start of the data section
// The reader checks what the reference implementation checks, and a little more: the header
// fits in the file and in 100 MB, is strict JSON and an object, every entry has exactly
// dtype, shape and data_offsets, each tensor's byte count matches its shape, and the tensors
// tile the data section exactly (no overlap, no gap, nothing left over).
#ifndef UNROLLED_SAFETENSORS_H
#define UNROLLED_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER_BYTES (100u << 20)

typedef enum {
    ST_BOOL, ST_U8, ST_I8, ST_U16, ST_I16, ST_F16, ST_BF16, ST_U32, ST_I32, ST_F32,
    ST_U64, ST_I64, ST_F64, ST_N_DTYPES
} StDtype;

const char *st_dtype_name(StDtype d);   // "F32"
size_t st_dtype_size(StDtype d);        // 4

typedef struct StTensor {
    const char *name;            // (points into the parsed header)
    StDtype dtype;
    int ndim;
    uint64_t shape[ST_MAX_DIMS];
    uint64_t begin, end;         // data_offsets
    const unsigned char *data;   // the raw little-endian bytes, end - begin of them
} StTensor;

typedef struct StFile {
    Json header;
    StTensor *tensors;           // in header order
    int n;
    const JsonNode *metadata;    // the __metadata__ object, or NULL
    unsigned char *owned;        // the file's bytes, when st_read read them
} StFile;

// Check and index a safetensors image in memory (bytes must outlive f). This is the entry
// point for fuzzing. Returns 1, or 0 with a one-line reason in err (f is then freed).
int st_parse(StFile *f, const unsigned char *bytes, size_t size, char *err, size_t errlen);
// Read and check a file; errors start with the path ("runs/m.safetensors: header ...").
int st_read(StFile *f, const char *path, char *err, size_t errlen);
void st_free(StFile *f);
const StTensor *st_find(const StFile *f, const char *name);   // NULL when absent
const char *st_meta(const StFile *f, const char *key);        // NULL when absent
// Copy a tensor's data into host-order values (F32 -> float, I32 -> int32_t, I64 -> int64_t).
void st_copy_out(const StTensor *t, void *dst);
// "(2, 3)" for error messages.
const char *st_shape_str(const StTensor *t, char *buf, size_t n);

// ---- writing ------------------------------------------------------------------------------

typedef struct StOut {
    char *name;
    StDtype dtype;
    int ndim;
    uint64_t shape[ST_MAX_DIMS];
    const void *data;            // host-order values; not copied: must live until st_write
} StOut;

typedef struct StWriter {
    StOut *t;
    int n, cap;
    char **meta;                 // key, value, key, value, ...
    int n_meta, cap_meta;
} StWriter;

void stw_init(StWriter *w);
void stw_free(StWriter *w);
void stw_meta(StWriter *w, const char *key, const char *value);
void stw_tensor(StWriter *w, const char *name, StDtype dtype, int ndim, const uint64_t *shape,
                const void *data);
// Write everything to path atomically (temporary file + rename). Returns 1, or 0 with the
// reason in err (a duplicate name, an unwritable folder, a full disk).
int stw_write(const StWriter *w, const char *path, char *err, size_t errlen);

#endif
