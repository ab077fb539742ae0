"""The xlir batch samplers, ported bit for bit (src/core/train/samplers.ts and rng.ts).

Same seed, same training set -> the same batches in the same order as `xlir train` and the app:
  xx-mono  one language per batch, uniform over the training languages
  xy       per triplet an ordered language pair (query language != passage language)
  hybrid   per batch xx-mono with probability alpha (constant or linear to alpha_end), else xy
  xx       languages mixed inside a batch, each triplet monolingual
Pools are walked in a seeded permutation per epoch; an item that would put a duplicate passage, a second
triplet of the same question, or a passage relevant to another query into the batch is deferred to the
next batch (false negatives are resampled, not masked).

Randomness is mulberry32 (one uint32 of state) seeded through derive_seed (FNV-1a over the labels, then
murmur3's fmix32), exactly as in rng.ts. `python sampler.py --check` replays the batch sequence that
`xlir export-torch` recorded in data/batches.json.
"""
import json
import sys

M32 = 0xFFFFFFFF
TWO_POW_32 = 1 << 32


def _imul(a, b):
    return (a * b) & M32


def fmix32(h):
    h &= M32
    h ^= h >> 16
    h = _imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = _imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h


def derive_seed(seed, *labels):
    """A seed for one consumer of randomness: FNV-1a over the UTF-16 code units of the labels, then fmix32."""
    text = "\0".join([str(seed)] + [str(x) for x in labels]).encode("utf-16-le")
    h = 0x811C9DC5
    for i in range(0, len(text), 2):
        h ^= text[i] | (text[i + 1] << 8)
        h = _imul(h, 0x01000193)
    return fmix32(h)


class Rng:
    """mulberry32 with serialisable state (the `state` a checkpoint's sampler stores)."""

    def __init__(self, seed):
        if not (0 <= seed < TWO_POW_32):
            raise ValueError(f"seed must be in [0, 2^32) (got {seed})")
        self.s = seed

    def next_uint32(self):
        self.s = (self.s + 0x6D2B79F5) & M32
        t = self.s
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return (t ^ (t >> 14)) & M32

    def next_float(self):
        return self.next_uint32() / TWO_POW_32

    def int(self, n):
        limit = TWO_POW_32 - (TWO_POW_32 % n)
        u = self.next_uint32()
        while u >= limit:
            u = self.next_uint32()
        return u % n

    def bernoulli(self, p):
        return self.next_float() < p

    def choice(self, items):
        return items[self.int(len(items))]

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


def hybrid_alpha(step, total_steps, alpha, alpha_end=None):
    if alpha_end is None or total_steps <= 1:
        return alpha
    p = min(1.0, max(0.0, step / (total_steps - 1)))
    return alpha + (alpha_end - alpha) * p


class _BatchBuilder:
    """One batch; passages are indices of distinct texts, so equal index means equal text."""

    def __init__(self):
        self.triplets, self.question_ids, self.passages, self.relevant = [], set(), set(), set()

    def try_add(self, t, relevant):
        pos, neg = t["positive"], t["negative"]
        if t["questionId"] in self.question_ids or pos == neg:
            return False
        for p in (pos, neg):
            if p in self.passages or p in self.relevant:
                return False
        if any(r in self.passages for r in relevant):
            return False
        self.triplets.append(t)
        self.question_ids.add(t["questionId"])
        self.passages.update((pos, neg))
        self.relevant.update(relevant)
        return True


def record_of(kind, triplets):
    """The batch composition xlir logs per step: kind and the count of each "lq->lp" pair."""
    counts = {}
    for t in triplets:
        key = f"{t['queryLang']}->{t['passageLang']}"
        counts[key] = counts.get(key, 0) + 1
    return {"kind": kind, "pairs": {k: counts[k] for k in sorted(counts)}}


class PoolSampler:
    """
    :param name: xx-mono | xy | hybrid | xx
    :param train: data/train.json (groups with per-language examples, relevant passages)
    """

    def __init__(self, name, train, batch_size, seed, total_steps, alpha=None, alpha_end=None):
        self.name, self.batch_size, self.seed, self.total_steps = name, batch_size, seed, total_steps
        self.alpha, self.alpha_end = alpha, alpha_end
        self.rng = Rng(derive_seed(seed, "sampler", name))
        self.groups = train["groups"]
        self.languages = train["languages"]
        self.cursors, self.pools, self.permutations, self.batches = {}, {}, {}, 0
        if name in ("xx-mono", "hybrid"):
            for lang in self.languages:
                self._add_pool(f"mono:{lang}", [gi for gi, g in enumerate(self.groups) if any(e["lang"] == lang for e in g["examples"])])
        if name in ("xy", "hybrid"):
            self._add_pool("xy", [gi for gi, g in enumerate(self.groups) if len(g["examples"]) >= 2])
        if name == "xx":
            # (group, example) packed in one number, as in samplers.ts
            self._add_pool("xx", [gi * 16 + ei for gi, g in enumerate(self.groups) for ei in range(len(g["examples"]))])
        if name == "hybrid" and alpha is None:
            raise ValueError("the hybrid sampler needs alpha")

    def _add_pool(self, key, items):
        distinct = len({i // 16 for i in items}) if key == "xx" else len(items)
        if distinct < self.batch_size:
            raise ValueError(f"batchSize {self.batch_size} is larger than the {distinct} distinct questions of pool {key}")
        self.pools[key] = items

    def _cursor(self, key):
        return self.cursors.setdefault(key, {"epoch": 0, "position": 0, "deferred": []})

    def _draw(self, key):
        items, cursor = self.pools[key], self._cursor(key)
        if cursor["position"] >= len(items):
            cursor["epoch"] += 1
            cursor["position"] = 0
        perm = self.permutations.get(key)
        if perm is None or perm[0] != cursor["epoch"]:
            order = list(range(len(items)))
            Rng(derive_seed(self.seed, "permutation", self.name, key, cursor["epoch"])).shuffle(order)
            perm = (cursor["epoch"], order)
            self.permutations[key] = perm
        item = items[perm[1][cursor["position"]]]
        cursor["position"] += 1
        return item

    def _fill(self, key, make):
        builder, pool_size, cursor, still = _BatchBuilder(), len(self.pools[key]), self._cursor(key), []
        for item in cursor["deferred"]:
            if len(builder.triplets) >= self.batch_size:
                still.append(item)
                continue
            triplet, group = make(item)
            if not builder.try_add(triplet, self.groups[group]["relevant"]):
                still.append(item)
        draws = 0
        while len(builder.triplets) < self.batch_size:
            if draws >= 2 * pool_size + self.batch_size:
                raise ValueError(f"cannot fill a batch of {self.batch_size} triplets with distinct passages from pool {key}: lower batchSize")
            item = self._draw(key)
            triplet, group = make(item)
            if not builder.try_add(triplet, self.groups[group]["relevant"]):
                still.append(item)
            draws += 1
        cursor["deferred"] = still
        return builder.triplets

    @staticmethod
    def _triplet(g, q, p):
        return {"questionId": g["questionId"], "queryLang": q["lang"], "passageLang": p["lang"], "query": q["query"], "positive": p["positive"], "negative": p["negative"]}

    def _mono(self):
        lang = self.rng.choice(self.languages)

        def make(gi):
            g = self.groups[gi]
            e = next(x for x in g["examples"] if x["lang"] == lang)
            return self._triplet(g, e, e), gi

        t = self._fill(f"mono:{lang}", make)
        return t, record_of("mono", t)

    def _cross(self):
        def make(gi):
            g = self.groups[gi]
            n = len(g["examples"])
            a = self.rng.int(n)
            b = self.rng.int(n - 1)
            if b >= a:
                b += 1
            return self._triplet(g, g["examples"][a], g["examples"][b]), gi

        t = self._fill("xy", make)
        return t, record_of("cross", t)

    def _mixed(self):
        def make(packed):
            g = self.groups[packed // 16]
            e = g["examples"][packed % 16]
            return self._triplet(g, e, e), packed // 16

        t = self._fill("xx", make)
        return t, record_of("mixed", t)

    def next(self, step):
        """:param step: 0-based index of the update this batch is for. Returns (triplets, record)."""
        if self.name == "xx-mono":
            out = self._mono()
        elif self.name == "xy":
            out = self._cross()
        elif self.name == "xx":
            out = self._mixed()
        else:
            alpha = hybrid_alpha(step, self.total_steps, self.alpha, self.alpha_end)
            out = self._mono() if self.rng.bernoulli(alpha) else self._cross()
        self.batches += 1
        return out

    def get_state(self):
        """The same JSON as a checkpoint manifest's `sampler`."""
        cursors = {k: {"epoch": c["epoch"], "position": c["position"], "deferred": list(c["deferred"])} for k, c in sorted(self.cursors.items())}
        return {"name": self.name, "batches": self.batches, "rng": {"state": self.rng.s}, "cursors": cursors}

    def set_state(self, state):
        if state["name"] != self.name:
            raise ValueError(f"sampler state is for {state['name']!r}, not {self.name!r}")
        self.rng = Rng(state["rng"]["state"])
        self.batches = state["batches"]
        self.cursors = {k: {"epoch": c["epoch"], "position": c["position"], "deferred": list(c["deferred"])} for k, c in state["cursors"].items()}


def sampler_for(run, train):
    """The run config's sampler (the adversarial strategy trains on its own `sampler`)."""
    s = run["strategy"]
    name = s.get("sampler", "xx-mono") if s["kind"] == "adversarial" else s["kind"]
    return PoolSampler(name, train, run["batchSize"], run["seed"], run["steps"], s.get("alpha"), s.get("alphaEnd"))


def check(project="."):
    """Replays data/batches.json (recorded by xlir); returns the number of batches compared."""
    with open(f"{project}/config.json") as f:
        run = json.load(f)["run"]
    with open(f"{project}/data/train.json") as f:
        train = json.load(f)
    with open(f"{project}/data/batches.json") as f:
        expected = json.load(f)["batches"]
    sampler = sampler_for(run, train)
    for step, want in enumerate(expected):
        triplets, record = sampler.next(step)
        got = {"record": record, "triplets": [[t["query"], t["positive"], t["negative"]] for t in triplets]}
        if got != want:
            raise SystemExit(f"sampler differs from xlir at step {step + 1}: expected {json.dumps(want)}, got {json.dumps(got)}")
    return len(expected)


if __name__ == "__main__":
    if sys.argv[1:2] != ["--check"]:
        raise SystemExit("usage: python sampler.py --check [PROJECT_DIR]")
    n = check(sys.argv[2] if len(sys.argv) > 2 else ".")
    print(f"sampler: {n} batches identical to xlir's")
