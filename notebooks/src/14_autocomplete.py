# %% [markdown]
# # Lesson 14 — Autocomplete: a Trie vs a character-level model
#
# Two ways to complete a prefix such as `"ann"`:
#
# * a **Trie** (prefix tree) of the census names: walk down `a → n → n`, list the names below, rank by
#   frequency. Exact and instant, but it only knows names it has seen;
# * a **character model** (Bengio et al. 2003): embed the last few characters, a tanh layer, a softmax over
#   the next character; complete by beam search on `P(completion | prefix)`. It learns what names *look
#   like*, so it also proposes plausible new ones.
#
# We measure the model the usual way — the average negative log-likelihood per character on held-out
# names — against counting baselines: unigram (no context) and bigram (one character of context).
#
# **Takeaway:** with 3 characters of context the small model beats the bigram counts on held-out names;
# the Trie wins on known names, the model generalises.

# %%
import optim
from exercises import check
from nn.charlm import complete, train_charlm
from nn.text import Trie, load_names

names = load_names()
trie = Trie(names)
print(f"{len(trie)} names in the Trie ({trie.num_nodes} nodes)")
print("Trie, 'ann':", trie.complete("ann", 5))

# %% [markdown]
# ## A small character model (8 epochs on the names, a few seconds)

# %%
words = [w for w, _ in names]
result = train_charlm(words, lambda p: optim.Adam(p, lr=1e-2), epochs=8, hidden=64, verbose=0)

# %%
print(f"held-out names, nats per character: unigram {result.unigram:.3f}   bigram {result.bigram:.3f}   "
      f"character MLP {result.val_loss:.3f}   (trained in {result.seconds:.1f} s)")
for name, prob in complete(result.model, result.vocab, "ann", k=5):
    print(f"  {name:<10} P = {prob:.3f}   {'(a real name)' if name in trie else '(invented)'}")

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(5, 2.8))
ax.bar(["unigram\n(no context)", "bigram\n(1 character)", "character MLP\n(3 characters)"],
       [result.unigram, result.bigram, result.val_loss], color=["#bbb", "#888", "#1f77b4"])
ax.set(ylabel="nats per character", title="Held-out names: lower is better", ylim=(1.5, 3))
plt.close(fig)
fig  # noqa: B018

# %% [markdown]
# ## Exercises
# **1.** Complete a prefix by brute force over `(word, count)` pairs, ranked like the Trie.

# %%
def complete_prefix(words, prefix, k):
    raise NotImplementedError  # your code here


check("complete_prefix", complete_prefix)

# %% [markdown]
# **2.** The bigram model's loss by counting (add-one smoothing, `.` as start and end marker).

# %%
def bigram_loss(train, val, vocab):
    raise NotImplementedError  # your code here


check("bigram_loss", bigram_loss)
