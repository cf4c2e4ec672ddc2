// Dumps llama.cpp's intermediate tensors (its eval callback) after one prompt, for op-by-op comparison with srm4j
// (io.srm4j.runtime.testing.QuantParityProbe with -Dprobe.trace=DIR). Uses the very libraries node-llama-cpp ships.
//
// Build (headers from the llama.cpp source bundled with node-llama-cpp):
//   N=build/references/node/node_modules; L=$N/@node-llama-cpp/linux-x64/bins/linux-x64
//   git clone -q $N/node-llama-cpp/llama/gitRelease.bundle /tmp/lcpp
//   gcc -O1 -o /tmp/llamacpp-dump scripts/llamacpp-dump.c -I/tmp/lcpp/include -I/tmp/lcpp/ggml/include \
//       -L$L -l:libllama.v0.4.0.so -l:libggml.v0.4.0.so -l:libggml-base.so -Wl,-rpath,$L
// Run: /tmp/llamacpp-dump $L model.gguf OUTDIR token-id...
// Writes OUTDIR/<tensor name>.bin (four int64 dimensions, then float32 data) for every contiguous F32 tensor of the
// graph (a name used twice keeps the last) and OUTDIR/logits.bin. Settings as the parity suite's: 1 thread, F16 KV
// cache, flash attention off, the whole prompt as one batch.
#include "llama.h"
#include "ggml-backend.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const char *outdir;
static bool cb(struct ggml_tensor *t, bool ask, void *ud) {
    (void) ud;
    if (ask) return true;
    if (t->type != GGML_TYPE_F32) return true;
    if (!ggml_is_contiguous(t)) return true;
    char path[1024];
    char name[128]; snprintf(name, sizeof name, "%s", t->name);
    for (char *c = name; *c; c++) if (*c == ' ' || *c == '/' || *c == '(' || *c == ')') *c = '_';
    snprintf(path, sizeof path, "%s/%s.bin", outdir, name);
    size_t n = ggml_nbytes(t);
    void *buf = malloc(n);
    ggml_backend_tensor_get(t, buf, 0, n);
    FILE *f = fopen(path, "wb");
    long long ne[4] = {t->ne[0], t->ne[1], t->ne[2], t->ne[3]};
    fwrite(ne, sizeof ne, 1, f);
    fwrite(buf, 1, n, f);
    fclose(f);
    free(buf);
    return true;
}
int main(int argc, char **argv) {
    // argv: libdir model outdir tok...
    ggml_backend_load_all_from_path(argv[1]);
    outdir = argv[3];
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model *model = llama_model_load_from_file(argv[2], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    int n = argc - 4;
    llama_token *toks = malloc(sizeof(llama_token) * n);
    for (int i = 0; i < n; i++) toks[i] = atoi(argv[4 + i]);
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 256; cp.n_batch = 256; cp.n_ubatch = 256; cp.n_threads = 1; cp.n_threads_batch = 1;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = GGML_TYPE_F16; cp.type_v = GGML_TYPE_F16;
    cp.cb_eval = cb; cp.cb_eval_user_data = NULL;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "ctx failed\n"); return 1; }
    struct llama_batch b = llama_batch_get_one(toks, n);
    if (llama_decode(ctx, b)) { fprintf(stderr, "decode failed\n"); return 1; }
    const float *logits = llama_get_logits_ith(ctx, -1);
    int nv = llama_vocab_n_tokens(llama_model_get_vocab(model));
    char path[1024]; snprintf(path, sizeof path, "%s/logits.bin", outdir);
    FILE *f = fopen(path, "wb"); fwrite(logits, sizeof(float), nv, f); fclose(f);
    return 0;
}
