/* suggest.c - "perhaps you meant ...?": Python's difflib.get_close_matches
 * (SequenceMatcher's Ratcliff/Obershelp ratio, cutoff 0.6, best three), so
 * that a mistyped lookup gets the suggestion Django's FieldError gives. */
#include <string.h>

#include "query/query.h"

#define MAX_WORD 64

/* The characters of a and b that the matching blocks cover (difflib's
 * get_matching_blocks, summed): the longest common block, earliest in a
 * then in b, then the same on each side of it. */
static size_t matched(const char *a, size_t alo, size_t ahi, const char *b, size_t blo, size_t bhi) {
    size_t besti = alo, bestj = blo, best = 0;
    size_t prev[MAX_WORD + 1] = {0}, cur[MAX_WORD + 1];
    for (size_t i = alo; i < ahi; i++) {
        memset(cur, 0, sizeof cur);
        for (size_t j = blo; j < bhi; j++) {
            if (a[i] != b[j]) continue;
            size_t k = cur[j + 1] = prev[j] + 1;
            if (k > best) {
                besti = i + 1 - k;
                bestj = j + 1 - k;
                best = k;
            }
        }
        memcpy(prev, cur, sizeof prev);
    }
    if (!best) return 0;
    size_t n = best;
    if (alo < besti && blo < bestj) n += matched(a, alo, besti, b, blo, bestj);
    if (besti + best < ahi && bestj + best < bhi) n += matched(a, besti + best, ahi, b, bestj + best, bhi);
    return n;
}

/* SequenceMatcher(None, candidate, word).ratio(). */
static double ratio(const char *cand, const char *word, size_t n) {
    size_t la = strlen(cand), total = la + n;
    if (!total) return 1.0;
    return 2.0 * (double)matched(cand, 0, la, word, 0, n) / (double)total;
}

int dorm_close__matches(const char *word, size_t n, const char *const *cands, size_t ncands, const char **out) {
    double score[3];
    int k = 0;
    if (n > MAX_WORD) return 0;
    for (size_t c = 0; c < ncands; c++) {
        if (strlen(cands[c]) > MAX_WORD) continue;
        double r = ratio(cands[c], word, n);
        if (r < 0.6) continue;
        /* Keep the best three, highest score first, ties by the larger name
         * (heapq.nlargest on (score, name) pairs). */
        int at = k;
        while (at > 0 && (score[at - 1] < r || (score[at - 1] == r && strcmp(out[at - 1], cands[c]) < 0))) at--;
        if (at >= 3) continue;
        for (int i = (k < 3 ? k : 2); i > at; i--) {
            score[i] = score[i - 1];
            out[i] = out[i - 1];
        }
        score[at] = r;
        out[at] = cands[c];
        if (k < 3) k++;
    }
    return k;
}
