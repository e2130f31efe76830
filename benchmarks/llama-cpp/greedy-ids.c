// Greedy token ids from llama.cpp (its C API), to check that a GGUF export is the same model as the folder it came from:
// argv[1] the GGUF file, argv[2] how many new tokens, argv[3..] the prompt as token ids. Prints the new ids, comma-separated.
// Built and run by benchmarks/llama-cpp-side-by-side.sh, which compares them with `mixtral generate --ids ... --json`.
#include "llama.h"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) return 1;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 256; cp.n_threads = 2; cp.n_threads_batch = 2;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    int n_new = atoi(argv[2]), n = argc - 3, n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    llama_token tokens[512];
    for (int i = 0; i < n; i++) tokens[i] = atoi(argv[3 + i]);
    struct llama_batch batch = llama_batch_get_one(tokens, n);
    for (int step = 0; step < n_new; step++) {
        if (llama_decode(ctx, batch)) return 2;
        float *logits = llama_get_logits_ith(ctx, -1);
        int best = 0;
        for (int v = 1; v < n_vocab; v++) if (logits[v] > logits[best]) best = v;
        printf(step ? ",%d" : "%d", best);
        tokens[n] = best;
        batch = llama_batch_get_one(&tokens[n], 1);
        n++;
    }
    printf("\n");
    return 0;
}
