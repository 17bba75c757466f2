# Regenerates oracle_vocab.json: a small byte-level BPE vocabulary (LFM2-style special tokens, the
# 256 GPT-2 byte tokens, merges learned from oracle_corpus.txt, two whole-word tokens no merge can
# build). Usage: python3 make_oracle_vocab.py oracle_corpus.txt 600 > oracle_vocab.json
import json, struct, re, sys, collections
import unicodedata

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~")+1)) + list(range(ord("¡"), ord("¬")+1)) + list(range(ord("®"), ord("ÿ")+1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256+n); n += 1
    return dict(zip(bs, map(chr, cs)))
B2U = bytes_to_unicode()

corpus = open(sys.argv[1], encoding='utf-8').read()
# crude word split for training (training only; not the tokenizer under test)
words = re.findall(r" ?\w+| ?[^\w\s]+|\s+", corpus)
freq = collections.Counter("".join(B2U[b] for b in w.encode()) for w in words)
vocab_words = {w: list(w) for w in freq}
merges = []
specials = ["<|pad|>", "<|startoftext|>", "<|endoftext|>", "<|fim_pre|>", "<|fim_mid|>", "<|fim_suf|>", "<|im_start|>", "<|im_end|>",
            "<|tool_list_start|>", "<|tool_list_end|>", "<|tool_call_start|>", "<|tool_call_end|>", "<|tool_response_start|>", "<|tool_response_end|>", "<think>", "</think>"]
tokens = specials + [B2U[b] for b in range(256)]
types = [4 if t in ("<think>", "</think>") else 3 for t in specials] + [1]*256  # <think> pair user-defined
seen = set(tokens)
for it in range(int(sys.argv[2])):
    pairs = collections.Counter()
    for w, syms in vocab_words.items():
        for a, b in zip(syms, syms[1:]):
            pairs[(a, b)] += freq[w]
    if not pairs: break
    (a, b), c = pairs.most_common(1)[0]
    if c < 1: break
    merges.append(a + " " + b)
    if a + b not in seen:
        tokens.append(a + b); types.append(1); seen.add(a + b)
    for w, syms in vocab_words.items():
        i = 0; out = []
        while i < len(syms):
            if i + 1 < len(syms) and syms[i] == a and syms[i+1] == b:
                out.append(a + b); i += 2
            else:
                out.append(syms[i]); i += 1
        vocab_words[w] = out
# a whole-word token without a merge path (exercises ignore_merges)
for extra in ["Ġunmergeable", "Ġzzqx"]:
    if extra not in seen:
        tokens.append(extra); types.append(1); seen.add(extra)
json.dump({"tokens": tokens, "types": types, "merges": merges}, sys.stdout, ensure_ascii=False)

