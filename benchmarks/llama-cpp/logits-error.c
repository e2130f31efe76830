// How far one GGUF's logits are from another's (llama.cpp's C API), issue 10's "logits RMS error ≤ 1% of the logits' RMS":
// argv[1] the reference GGUF (float32), argv[2] the GGUF to measure, argv[3] a file of token-id sequences (one a line,
// comma-separated, BOS first), argv[4] (optional) threads. Each sequence goes through each model in one prefill with
// logits at every position. Prints, over all positions of all sequences, sqrt(Σ(lq−lf)²/Σlf²) and the share of positions
// whose top-1 token is the same, then one line per sequence. Built and run by benchmarks/llama-cpp-int8-bound.sh.
#include "llama.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEQS 64
#define MAX_LEN 2048

static int n_seqs, lens[MAX_SEQS];
static llama_token seqs[MAX_SEQS][MAX_LEN];

static void read_sequences(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(1); }
    static char line[1 << 16];
    while (fgets(line, sizeof line, f) && n_seqs < MAX_SEQS) {
        int n = 0;
        for (char *p = strtok(line, ", \n"); p && n < MAX_LEN; p = strtok(NULL, ", \n")) seqs[n_seqs][n++] = atoi(p);
        if (n) lens[n_seqs++] = n;
    }
    fclose(f);
}

// Logits at every position of every sequence, [Σ len, n_vocab], in sequence order.
static float *run(const char *gguf, int threads, int *n_vocab) {
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(gguf, mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", gguf); exit(1); }
    *n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    int total = 0, longest = 0;
    for (int s = 0; s < n_seqs; s++) { total += lens[s]; if (lens[s] > longest) longest = lens[s]; }
    float *out = malloc((size_t)total * *n_vocab * sizeof(float));
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = longest < 256 ? 256 : longest; cp.n_batch = cp.n_ctx; cp.n_ubatch = cp.n_ctx;
    cp.n_threads = threads; cp.n_threads_batch = threads;
    cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32; // the KV cache in float32 (llama.cpp's default is f16): only the weights differ
    size_t row = 0;
    for (int s = 0; s < n_seqs; s++) {
        struct llama_context *ctx = llama_init_from_model(model, cp); // a fresh context: nothing cached between sequences
        struct llama_batch batch = llama_batch_init(lens[s], 0, 1);
        for (int i = 0; i < lens[s]; i++) {
            batch.token[i] = seqs[s][i]; batch.pos[i] = i; batch.n_seq_id[i] = 1; batch.seq_id[i][0] = 0; batch.logits[i] = 1;
        }
        batch.n_tokens = lens[s];
        if (llama_decode(ctx, batch)) { fprintf(stderr, "decode failed\n"); exit(2); }
        for (int i = 0; i < lens[s]; i++, row++) memcpy(out + row * *n_vocab, llama_get_logits_ith(ctx, i), *n_vocab * sizeof(float));
        llama_batch_free(batch);
        llama_free(ctx);
    }
    llama_model_free(model);
    return out;
}

static void quiet(enum ggml_log_level level, const char *text, void *data) {
    (void)data;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static int argmax(const float *v, int n) { int b = 0; for (int i = 1; i < n; i++) if (v[i] > v[b]) b = i; return b; }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s reference.gguf measured.gguf sequences.txt [threads]\n", argv[0]); return 2; }
    int threads = argc > 4 ? atoi(argv[4]) : 2, nv_ref, nv;
    read_sequences(argv[3]);
    llama_log_set(quiet, NULL);
    llama_backend_init();
    float *ref = run(argv[1], threads, &nv_ref), *got = run(argv[2], threads, &nv);
    if (nv != nv_ref) { fprintf(stderr, "vocabularies differ\n"); return 1; }
    double err = 0, norm = 0; long same = 0, positions = 0;
    size_t row = 0;
    char per_seq[MAX_SEQS][128];
    for (int s = 0; s < n_seqs; s++) {
        double e = 0, r = 0; int agree = 0;
        for (int i = 0; i < lens[s]; i++, row++) {
            const float *a = ref + row * nv, *b = got + row * nv;
            for (int v = 0; v < nv; v++) { double d = (double)b[v] - a[v]; e += d * d; r += (double)a[v] * a[v]; }
            agree += argmax(a, nv) == argmax(b, nv);
        }
        err += e; norm += r; same += agree; positions += lens[s];
        snprintf(per_seq[s], sizeof per_seq[s], "sequence %d (%d tokens): relative RMS %.4f%%, top-1 equal %d/%d", s, lens[s], 100 * sqrt(e / r), agree, lens[s]);
    }
    printf("relative_rms %.6f top1_equal %ld/%ld positions %ld sequences %d\n", sqrt(err / norm), same, positions, positions, n_seqs);
    for (int s = 0; s < n_seqs; s++) printf("  %s\n", per_seq[s]);
    free(ref); free(got);
    llama_backend_free();
    return 0;
}
