"""Compares what tools/cli-behaviour.sh recorded for two builds: texts with timings masked,
explanation.json without its volatile fields, every other file byte for byte. The tuning run
(out27, p27.json, and the plans made from that profile, out28 and out29) chooses by measured
times, so its choices may differ between runs of the same build: read those differences as noise
unless the maps or messages differ too.
usage: python3 tools/compare-builds.py BEFORE_DIR AFTER_DIR"""
import os, re, json, sys
a, b = sys.argv[1], sys.argv[2]
def norm_text(t):
    t = re.sub(r'\d+\.\d+ s\b', 'N s', t)
    t = re.sub(r'\d+(\.\d+)? per second', 'N per second', t)
    t = re.sub(r'about \d+ s', 'about N s', t)
    t = re.sub(r'\d+(\.\d+)? G/s', 'N G/s', t)
    t = re.sub(r'estimated time\s+[\d.]+ s', 'estimated time N s', t)
    t = re.sub(r'\d+:\d+:\d+', 'T', t)
    t = re.sub(r'naive baseline: [\d.]+ ms', 'naive baseline: N ms', t)
    t = re.sub(r'/tmp/tmp\.\w+', 'DIR', t)
    # A build's own folder (where its samples are): lines naming it, not the long data lines of a report.
    t = '\n'.join(re.sub(r'[^\s"\']*(?=/samples/)', 'BUILD', l) if '/samples/' in l and len(l) < 2000 else l for l in t.split('\n'))
    return t
VOLATILE = {'created_utc','timings_seconds','peak_memory_bytes','estimated_seconds','estimate_basis','seconds','created_utc','ms_per_position','naive_ms_per_position','predicted_seconds','predicted_speedup_vs_naive','predicted_speedup_vs_exact','exact_seconds','chosen_seconds','baseline_seconds','mean_seconds'}
def strip(o):
    if isinstance(o, dict):
        # A profile tuned by the same script carries that run's timings, so its hash (in the digest) differs.
        tuned_here = isinstance(o.get('plan'), dict) and str(o['plan'].get('profile') or '').endswith('p27.json')
        return {k: strip(v) for k, v in o.items() if k not in VOLATILE and not (tuned_here and k == 'request_sha256')}
    if isinstance(o, list): return [strip(v) for v in o]
    if isinstance(o, str): return norm_text(o)
    return o
diffs = 0
for root, dirs, files in os.walk(a):
    for f in sorted(files):
        pa = os.path.join(root, f); rel = os.path.relpath(pa, a); pb = os.path.join(b, rel)
        if not os.path.exists(pb): print('MISSING in new:', rel); diffs += 1; continue
        da, db = open(pa,'rb').read(), open(pb,'rb').read()
        if da == db: continue
        if f.endswith('.json'):
            ja, jb = strip(json.loads(da)), strip(json.loads(db))
            if ja == jb: continue
            print('JSON DIFF', rel)
            def walk(x, y, path=''):
                if type(x) != type(y): print('  ', path, repr(x)[:120], '|', repr(y)[:120]); return
                if isinstance(x, dict):
                    for k in set(x) | set(y): walk(x.get(k), y.get(k), path + '.' + k)
                elif isinstance(x, list):
                    if len(x) != len(y): print('  ', path, 'len', len(x), len(y)); return
                    for i, (u, v) in enumerate(zip(x, y)): walk(u, v, f'{path}[{i}]')
                elif x != y: print('  ', path, repr(x)[:150], '|', repr(y)[:150])
            walk(ja, jb); diffs += 1
        elif f.endswith(('.txt', '.csv', '.html')):
            ta, tb = norm_text(da.decode()), norm_text(db.decode())
            if f == 'summary.csv':
                ta = re.sub(r',[\d.]+,,,?$', ',S', ta, flags=re.M); tb = re.sub(r',[\d.]+,,,?$', ',S', tb, flags=re.M)
            if ta == tb: continue
            la, lb = ta.split('\n'), tb.split('\n')
            d = [(x, y) for x, y in zip(la, lb) if x != y]
            if f.endswith('.html'):
                d = [(x, y) for x, y in d if not re.search(r'\d', x) or re.sub(r'[\d.]+', 'N', x) != re.sub(r'[\d.]+', 'N', y)]
                if not d: continue
            print('TEXT DIFF', rel); diffs += 1
            for x, y in d[:6]: print('   -', x[:200]); print('   +', y[:200])
            if len(la) != len(lb): print('   lines', len(la), len(lb))
        else:
            print('BINARY DIFF', rel); diffs += 1
for root, dirs, files in os.walk(b):
    for f in files:
        rel = os.path.relpath(os.path.join(root, f), b)
        if not os.path.exists(os.path.join(a, rel)): print('EXTRA in new:', rel); diffs += 1
print('differences:', diffs)
sys.exit(1 if diffs else 0)
