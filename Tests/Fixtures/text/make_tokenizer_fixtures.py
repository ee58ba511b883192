# Writes the all-MiniLM-L6-v2 tokenizer fixtures from sentence-transformers and Hugging Face tokenizers.
"""Regenerates the fixtures the BertTokenizer tests compare against (not run in CI):

  hard_captions.jsonl      one {"kind", "text", "ids"} per line: hard texts and a sample of the emoji
                           captions, with the ids of SentenceTransformer(folder).tokenize([...])
                           (padding removed by the attention mask). Keep the list stable: other fixtures
                           (sentence embeddings) are made for the same texts in the same order.
  emoji_caption_ids.txt    one FNV-1a 64 hash per record of zoo/datasets/emoji/meta.jsonl, over the ids of
                           its five captions (see `ids_hash`), so every caption is checked without storing
                           1.3 MB of ids.
  bert_unicode_classes.txt what the Rust BertNormalizer and BertPreTokenizer do with every Unicode scalar,
                           one scalar at a time (see the header written by `write_unicode_classes`).

Usage: python3 Tests/Fixtures/text/make_tokenizer_fixtures.py [MODEL_FOLDER]
MODEL_FOLDER defaults to $STACKZOO_CACHE/text/all-MiniLM-L6-v2 (STACKZOO_CACHE defaults to ~/.cache/stackzoo).
Needs `pip install sentence-transformers` (which brings tokenizers).
"""
import json
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
META = os.path.join(REPO, "zoo", "datasets", "emoji", "meta.jsonl")
MAX_SEQ_LENGTH = 256


def model_folder():
    if len(sys.argv) > 1:
        return sys.argv[1]
    cache = os.environ.get("STACKZOO_CACHE") or os.path.expanduser("~/.cache/stackzoo")
    return os.path.join(cache, "text", "all-MiniLM-L6-v2")


# MARK: - The hard texts

def hard_texts(meta):
    """(kind, text) pairs, in a fixed order."""
    t = []

    def add(kind, *texts):  # a text already in the list is not repeated
        t.extend((kind, x) for x in texts if all(x != y for _, y in t))

    add("empty", "", " ", "   ", "\t", "\n", "\r\n", " \t\n\r ", "\u3000", "\u00a0", "\u2028", "\u200b", "\x00",
        "\ufffd", "\u0301", "\ufe0f", "\x1c\x1d\x1e\x1f", "\x0b\x0c\x85", "\u200d\u200c\u2060\ufeff")
    add("punctuation", "wow!!!", "what?!?", "...", "a--b", "(parenthesised)", "[brackets] {braces} <angles>",
        "\u00abguillemets\u00bb", "\u201csmart quotes\u201d and \u2018single\u2019", "o\u2019clock", "em\u2014dash en\u2013dash",
        "a/b\\c|d", "$100 \u20ac5 \u00a35 \u00a5500", "#hashtag @user", "100% + 50% = 150%", "c++ & c#", "foo_bar_baz",
        "~tilde~ `backtick` ^caret^", "semi;colon:colon", "\u00bfqu\u00e9? \u00a1hola!", "\u2026ellipsis\u2026",
        "\u00b7middle dot \u2022bullet \u2020dagger \u00a7section \u00b6pilcrow", "\u3001\u3002\u300c\u300d\u300e\u300f",
        "\u060c\u061b\u061f arabic", "\u0964 \u0965 danda", "!@#$%^&*()_+-=[]{};':\",./<>?`~",
        "\u00a9 \u00ae \u2122 \u00b0C \u00b1 \u00d7 \u00f7 \u2192 \u2605 \u2665 \u2640 \u2642 \u26bd",
        "a.b.c.d", "U.S.A.", "e-mail", "don't", "rock'n'roll", "\u2e43\u2e44 newer dashes", "\u166d \U000111c9 \u2e3a\u2e3b",
        "\uff01\uff1f\uff08fullwidth\uff09", "\u301c\u30fb\u30fc", "\u2010\u2011\u2012\u2015 hyphens")
    add("accents", "caf\u00e9", "na\u00efve", "jalape\u00f1o", "\u00fcber", "\u00c5ngstr\u00f6m", "stra\u00dfe",
        "STRASSE \u1e9e", "\u0130stanbul", "\u0131s\u0131k dotless", "\u0141\u00f3d\u017a", "\u00c6r\u00f8 \u0153uvre",
        "fa\u00e7ade r\u00e9sum\u00e9", "cr\u00e8me br\u00fbl\u00e9e", "Dvo\u0159\u00e1k", "Ti\u1ebfng Vi\u1ec7t",
        "e\u0301 n\u0303 a\u0308\u0301", "a\u0323\u0307 a\u0307\u0323", "\u1e69 s\u0323\u0307 s\u0307\u0323",
        "\u0301alone", "x\u0301\u0302\u0303\u0304\u0305\u0306\u0307", "\u01c5 \u01c4 \u01c6", "\ufb01 \ufb00 ligatures",
        "\u216b \u210c \u2460", "\u212a kelvin \u212b angstrom \u2126 ohm", "\u03a3\u0391\u03a3 \u038c\u03a3\u039f\u03a3",
        "\u13a0\u13a1 cherokee", "\u24b6\u24b7 circled", "\u1f08\u1f88 greek extended", "\u0149 \u01f0 \u0390",
        "\u1734 \u1885\u1886 \ua9bd \U0001171e", "\U00011938 dives akuru", "q\u0307\u0323 q\u0323\u0307",
        "\u05d0\u05b8 \u05e9\u05c1", "\u0915\u093c \u0958", "\uac00 \u1100\u1161", "\u00e9\u00e9\u00e9\u00e9",
        "\u00c0\u00c1\u00c2\u00c3\u00c4\u00c5\u00c7\u00c8\u00c9\u00ca\u00cb\u00cc\u00cd\u00ce\u00cf\u00d1\u00d2\u00d3\u00d4\u00d5\u00d6\u00d9\u00da\u00db\u00dc\u00dd")
    add("emoji", "\U0001f600", "I love it \U0001f60d\U0001f60d", "\U0001f44d\U0001f3fd thumbs up",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family", "\U0001f3f3\ufe0f\u200d\U0001f308 rainbow flag",
        "\U0001f1fa\U0001f1f8 \U0001f1ef\U0001f1f5 flags", "\u2764\ufe0f red heart", "\u2764 heart", "\u263a\ufe0f",
        "\u270c\U0001f3ff", "\U0001f9d1\U0001f3fb\u200d\U0001f91d\u200d\U0001f9d1\U0001f3fe",
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f scotland", "1\ufe0f\u20e3 #\ufe0f\u20e3 keycaps",
        "\U0001fae0 melting face", "\U0001f979", "\U0001fabf goose", "\U0001f642\u200d\u2194\ufe0f head shaking",
        "\U0001f426\u200d\U0001f525 phoenix", "\U0001fae9 \U0001fadf unicode 16", "hello\U0001f600world", "\U0001f600!",
        "\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff", "\u00a9\ufe0f \u2122\ufe0f \u203c\ufe0f", "\u2049\ufe0f\u2753",
        "\U0001f9d1\u200d\U0001f680 astronaut", "\U0001f441\ufe0f\u200d\U0001f5e8\ufe0f", "\u26f9\U0001f3fd\u200d\u2640\ufe0f")
    add("digits", "123", "1,000,000", "3.14159", "1.5e-10", "2024-01-15", "12:30pm", "$4.99", "1/2 \u00bd \u00bc",
        "x\u00b2 + y\u00b3", "\u0661\u0662\u0663 arabic-indic", "\u0967\u0968\u0969 devanagari", "\uff15\uff10 fullwidth",
        "\u2460\u2461", "007", "+1 (555) 123-4567", "v2.0.1", "10k 3rd 1st", "0x1F600", "1\u00a0000", "12\u202f345",
        "99.9%", "-42", "\u2212" "5 minus sign", "3\u00d74=12")
    add("cjk", "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8", "\u4f60\u597d\uff0c\u4e16\u754c\uff01", "\u4e2d\u6587English\u6df7\u5408",
        "\u3053\u3093\u306b\u3061\u306f\u4e16\u754c", "\u30ab\u30bf\u30ab\u30ca", "\uff76\uff80\uff76\uff85 halfwidth",
        "\uc548\ub155\ud558\uc138\uc694", "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", "\U00020000\U00020001 ext b", "\u3400\u4db5 ext a",
        "\uf900\ufa0e compatibility", "\u3007 \u3005 \u3006", "\u2e80\u2f00 radicals", "\u3105\u3106 bopomofo",
        "\u3000ideographic\u3000space", "\U0002a700 \U0002b740 \U0002b820 \U0002f800", "\u9fd6\u9fff late", "\U00030000 \U00031350")
    add("scripts", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
        "\u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627", "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd",
        "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440", "\u0401\u043b\u043a\u0430 \u0419",
        "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a",
        "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e", "\u0bb5\u0ba3\u0b95\u0bcd\u0b95\u0bae\u0bcd",
        "\u09a8\u09ae\u09b8\u09cd\u0995\u09be\u09b0", "\u10d2\u10d0\u10db\u10d0\u10e0\u10ef\u10dd\u10d1\u10d0",
        "\u1c92\u1c90\u1c9b\u1c90 mtavruli", "\u0532\u0561\u0580\u0565\u0582", "\u1230\u120b\u121d", "\u182e\u1823\u1829\u182d\u1823\u182f",
        "\u0627\u0644\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u064e\u0651\u0629", "\u200f\u05e2\u05d1\u05e8\u05d9\u05ea\u200e",
        "\U00010d50\U00010d70 garay", "\u0f40\u0f7a\u0f0b tibetan", "\u1780\u17d2\u1798\u17c2\u179a khmer")
    add("case", "HeLLo WoRLD", "iPhone", "McDonald's", "ALLCAPS SHOUTING", "CamelCaseWord", "snake_case_word",
        "\u0130I\u0131i", "\u00c9COLE", "\u0394\u0399\u0391\u039b\u0395\u039e\u0397", "\u0556\u0531", "\uff21\uff22\uff23 fullwidth")
    add("control", "a\x00b", "a\x01b", "a\x07bell", "a\x1bescape", "\x7fdel", "a\x85b", "a\x0bb", "a\x0cb", "a\x1cb",
        "\u200eLRM \u202eRLO\u202c", "soft\u00adhyphen", "word\u2060joiner", "\ufeffBOM", "\ue000 private",
        "\U000f0000 \U0010fffd plane 15/16", "\U000e0041 tag", "\u0378 unassigned", "\ufffe \uffff \U0010ffff",
        "\u0600\u0601 arabic number signs", "\u08e2 late format", "\U000110bd kaithi", "\u180emongolian")
    add("whitespace", "a\tb", "line1\nline2", "a\r\nb", "\t leading tab", "trailing newline\n", "a\u2028b\u2029c",
        "a\u00a0b", "a\u2003b", "a\u3000b", "a\u1680b", "a\u180eb", "a\u200bb", "a\u200cb", "a\u200db", "a\u2062b",
        "a\u202fb\u205fc", "  many   spaces   ", "\x1c\x1dsep\x1e\x1f", "\u2000\u2001\u2002\u2009\u200a spaces")
    add("replacement", "bad\ufffdbyte", "\ufffd\ufffd", "\ufffdabc\ufffd")
    add("special", "[CLS]", "hello [SEP] world", "[MASK]", "[mask]", "[UNK]", "[PAD]", "[CLS][SEP]", "[[SEP]]",
        "[ SEP ]", "x[MASK]y", "[MASK", "\u0130[MASK]\u00e9", "  [SEP]  ", "##", "##ing", "a ##b")
    long_word = "supercalifragilisticexpialidocious"
    add("long-words", "a" * 100, "a" * 101, "x" * 99, long_word, "pneumonoultramicroscopicsilicovolcanoconiosis",
        "\u00e9" * 100, "\u00e9" * 101, "ab" * 50, "ab" * 50 + "a", "ab" * 49 + "\u4e00" + "ab" * 30,
        "e\u0301" * 60, "https://www.example.com/path/to/page?query=1&b=2#frag", "someone@example.com",
        "0123456789abcdef" * 8, "9" * 200, long_word * 4, "\U0001f600" * 101, "zz" + "\u0301" * 150)
    add("long-captions", "word " * 300, "a " * 253, "a " * 254, "a " * 255, "\u4e00" * 300,
        " ".join(["an emoji of a grinning face, from the smileys and emotion group, face smiling"] * 20),
        "unbelievably " * 130, "\u00e9t\u00e9 " * 200, "[SEP] " * 300, "!" * 400, "x" * 5000)
    add("random-mix", *random_mixes(60))
    # A sample of the emoji characters themselves and of their captions, every n-th in dataset order.
    add("emoji-chars", *[r["emoji"] for r in meta[::37]])
    captions = [c for r in meta for c in r["captions"]]
    add("emoji-captions", *captions[::185])
    add("emoji-captions", *[c for c in captions if any(ord(x) > 127 for x in c)][::10])
    return t


def random_mixes(count):
    """Short texts drawn, with a fixed seed, from pools of scalars the rules treat differently: combining
    marks of several combining classes (some assigned after Unicode 9, so NFD must not reorder them),
    precomposed letters, hangul, ideographs, emoji parts, controls, whitespace, special tokens, the scalars
    whose category changed since Unicode 8."""
    import random

    ranges_ = lambda a, b: [chr(c) for c in range(a, b)]
    pools = [
        ranges_(0x20, 0x7F), list("abcdefghijklmnopqrstuvwxyz  "), ranges_(0x300, 0x370), ranges_(0x591, 0x5C8),
        ranges_(0xE31, 0xE4F), ranges_(0x93C, 0x94E), ranges_(0xC0, 0x180), ranges_(0x1E00, 0x1F00), ranges_(0x1F00, 0x2000),
        ranges_(0xAC00, 0xAC40), ranges_(0x1100, 0x1200), ranges_(0x391, 0x3D0), ranges_(0x400, 0x460),
        ranges_(0x600, 0x700), ranges_(0x2000, 0x2070), ranges_(0x3000, 0x3100), ranges_(0xFF00, 0xFF70),
        ["\u1dfa", "\u0897", "\U00010efd", "\u1ab0", "\u1ace", "\U0001e4ec", "\u0f39", "\u302a", "\u3099"],
        ["\u4e2d", "\u56fd", "\uf900", "\ufa0e", "\U00020000", "\u3007"],
        ["\U0001f600", "\U0001f44d", "\U0001f3fd", "\u200d", "\ufe0f", "\u2764", "\U0001f1fa", "\U000e0067", "\u20e3", "\U0001fae9"],
        ["\x00", "\x1c", "\x7f", "\x85", "\ufffd", "\u200b", "\u00ad", "\ue000", "\u0378", "\t", "\n", "\u3000", "\u180e"],
        ["[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "[MAS", "[", "]", "[cls]"],
        ["\u0130", "\u1e9e", "\u03a3", "\u0345", "\u1f80", "\u01c5", "\u2126", "\u212a", "\u212b"],
        ["\u166d", "\U000111c9", "\u1734", "\u1885", "\ua9bd", "\U0001171e", "\U00011938", "\U00011935", "\U00011930", "\U000105c9"],
    ]
    rng = random.Random(20261202)
    return ["".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 30))) for _ in range(count)]


# MARK: - Reference ids

def reference_ids(folder, texts):
    """Ids from sentence-transformers, checked against tokenizers.Tokenizer with truncation at 256."""
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    model = SentenceTransformer(folder, device="cpu")
    assert model.max_seq_length == MAX_SEQ_LENGTH, model.max_seq_length
    ids = []
    for i in range(0, len(texts), 512):
        features = model.tokenize(texts[i:i + 512])
        for row, mask in zip(features["input_ids"].tolist(), features["attention_mask"].tolist()):
            ids.append([x for x, m in zip(row, mask) if m])

    tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_SEQ_LENGTH)
    plain = [e.ids for e in tokenizer.encode_batch(texts)]
    stripped = [e.ids for e in tokenizer.encode_batch([s.strip() for s in texts])]  # sentence-transformers 5 strips, 6.3 does not
    for name, other in (("Tokenizer.from_file", plain), ("Tokenizer.from_file on str.strip()", stripped)):
        bad = [texts[k] for k in range(len(texts)) if other[k] != ids[k]]
        print(f"  {name}: {len(texts) - len(bad)}/{len(texts)} equal to sentence-transformers", bad[:3])
    return ids, tokenizer


def check_strip_is_moot(tokenizer):
    """Every character str.strip() removes is dropped or split off by the normalizer, so stripping is moot."""
    base = tokenizer.encode("a b").ids
    spaces = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and chr(c).isspace()]
    bad = [hex(ord(w)) for w in spaces if tokenizer.encode(w + "a b" + w).ids != base]
    print(f"  str.strip() changes the ids for {len(bad)} of {len(spaces)} whitespace characters", bad)


def ids_hash(captions_ids):
    """FNV-1a 64 over each caption's ids as little-endian int32, each caption followed by -1."""
    h = 0xcbf29ce484222325
    for ids in captions_ids:
        for x in list(ids) + [-1]:
            for b in (x & 0xFFFFFFFF).to_bytes(4, "little"):
                h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


# MARK: - Per-scalar classes

def ranges(cps):
    out = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return ["%04X" % a if a == b else "%04X-%04X" % (a, b) for a, b in out]


def hangul_nfd(c):
    s = c - 0xAC00
    jamo = [0x1100 + s // 588, 0x1161 + (s % 588) // 28]
    return jamo + ([0x11A7 + s % 28] if s % 28 else [])


def write_unicode_classes(path):
    import tokenizers
    from tokenizers import normalizers, pre_tokenizers

    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False)
    lower = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=False, lowercase=True)
    chinese = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    nfd = normalizers.NFD()
    pre = pre_tokenizers.BertPreTokenizer()
    classes = {k: [] for k in ("drop", "space", "split", "punct", "mark", "chinese")}
    maps = {"nfd": [], "lower": []}
    scalars = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    decomposed = {}
    for c in scalars:
        ch = chr(c)
        cleaned = clean.normalize_str(ch)
        if cleaned == "":
            classes["drop"].append(c)
        elif cleaned == " " and ch != " ":
            classes["space"].append(c)
        pieces = len(pre.pre_tokenize_str("a" + ch + "a"))
        if pieces == 3:
            classes["punct"].append(c)
        elif pieces == 2:
            classes["split"].append(c)
        if chinese.normalize_str(ch) != ch:
            classes["chinese"].append(c)
        d = [ord(x) for x in nfd.normalize_str(ch)]
        decomposed[c] = d
        if d == [c] and strip.normalize_str(ch) == "":
            classes["mark"].append(c)
        if d != [c] and not 0xAC00 <= c <= 0xD7A3:
            maps["nfd"].append([c] + d)
        if 0xAC00 <= c <= 0xD7A3:
            assert d == hangul_nfd(c), hex(c)
        low = [ord(x) for x in lower.normalize_str(ch)]
        if low != [c]:
            maps["lower"].append([c] + low)
    # strip_accents is NFD, then dropping the marks: check that the classes above say all of it.
    marks = set(classes["mark"])
    for c in scalars:
        want = "".join(chr(x) for x in decomposed[c] if x not in marks)
        assert strip.normalize_str(chr(c)) == want, hex(c)

    with open(path, "w") as f:
        f.write(f"# What tokenizers {tokenizers.__version__} (Rust) does with each Unicode scalar on its own; written by\n")
        f.write("# make_tokenizer_fixtures.py. Class lines: NAME then hex scalars or ranges; map lines: NAME SCALAR -> RESULT.\n")
        f.write("#   drop     BertNormalizer clean_text removes it (NUL, U+FFFD, control/format/private use but \\t \\n \\r)\n")
        f.write("#   space    clean_text maps it to ' '\n")
        f.write("#   split    BertPreTokenizer splits on it and drops it (Rust char::is_whitespace)\n")
        f.write("#   punct    BertPreTokenizer makes it a word of its own\n")
        f.write("#   mark     strip_accents removes it (NFD leaves it alone, then it is dropped as Mn)\n")
        f.write("#   chinese  handle_chinese_chars puts spaces around it\n")
        f.write("#   hangul   NFD decomposes it algorithmically (Unicode 3.12)\n")
        f.write("#   nfd      NFD (every other scalar NFD changes); strip_accents is nfd then dropping the marks\n")
        f.write("#   lower    lowercase (Rust char::to_lowercase; every scalar it changes)\n")
        for name, cps in classes.items():
            rs = ranges(cps)
            for k in range(0, len(rs), 12):
                f.write(name + " " + " ".join(rs[k:k + 12]) + "\n")
        f.write("hangul AC00-D7A3\n")
        for name, rows in maps.items():
            for row in rows:
                f.write("%s %04X -> %s\n" % (name, row[0], " ".join("%04X" % x for x in row[1:])))
    print(f"  {path}: " + ", ".join(f"{k} {len(v)}" for k, v in list(classes.items()) + list(maps.items())))


# MARK: - Main

def main():
    folder = model_folder()
    if not os.path.exists(os.path.join(folder, "tokenizer.json")):
        sys.exit(f"{folder}: no tokenizer.json (run scripts/get_text_encoder.sh, or pass the model folder)")
    meta = [json.loads(line) for line in open(META, encoding="utf-8")]

    pairs = hard_texts(meta)
    texts = [text for _, text in pairs]
    print(f"hard captions: {len(texts)}")
    ids, tokenizer = reference_ids(folder, texts)
    with open(os.path.join(HERE, "hard_captions.jsonl"), "w", encoding="ascii") as f:
        for (kind, text), row in zip(pairs, ids):
            f.write(json.dumps({"kind": kind, "text": text, "ids": row}) + "\n")
    check_strip_is_moot(tokenizer)

    captions = [c for r in meta for c in r["captions"]]
    print(f"emoji captions: {len(captions)}")
    caption_ids, _ = reference_ids(folder, captions)
    with open(os.path.join(HERE, "emoji_caption_ids.txt"), "w") as f:
        f.write("# FNV-1a 64 of the all-MiniLM-L6-v2 ids of each meta.jsonl record's captions (make_tokenizer_fixtures.py)\n")
        offset = 0
        for r in meta:
            n = len(r["captions"])
            f.write("%s %016x\n" % (r["id"], ids_hash(caption_ids[offset:offset + n])))
            offset += n

    write_unicode_classes(os.path.join(HERE, "bert_unicode_classes.txt"))


if __name__ == "__main__":
    main()
