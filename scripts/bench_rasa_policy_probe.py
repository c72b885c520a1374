#!/usr/bin/env python
"""Do two models answer alike off the written paths? (app env; starts one Rasa + action server per model)

    .venv/app/bin/python scripts/bench_rasa_policy_probe.py var/bench-rasa/before.tar.gz var/bench-rasa/after.tar.gz

Conversations: every ordered pair of intents (26 x 26), once in Hungarian and once in English where
both intents have an example of that language (an example without entities from data/nlu/, the one a
third into its list), plus 200 random four-turn sequences (seed 5). Each conversation is sent to both
stacks over the helpdesk REST channel; prints the conversations whose bot texts differ (JSON lines)
and, on stderr, how many differed. Used for the TEDPolicy removal (docs/BENCHMARKS.md).
"""
import os, sys, pathlib, tempfile, secrets, itertools, json, random, uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
os.environ.setdefault('CHAT_SEAL_KEY', secrets.token_urlsafe(32))
import yaml, httpx
from concurrent.futures import ThreadPoolExecutor
from tests.fixtures.ports import free_port
from tests.fixtures.rasa_services import start_rasa_stack
examples = {}
for f in sorted((pathlib.Path(__file__).resolve().parents[1] / 'data' / 'nlu').glob('*.yml')):
    doc = yaml.safe_load(f.read_text())
    for item in doc.get('nlu', []) or []:
        if 'intent' in item:
            lang = (item.get('metadata') or {}).get('language', 'hu')
            ex = [l[2:].strip() for l in item['examples'].splitlines() if l.startswith('- ')]
            ex = [e for e in ex if '[' not in e]
            if ex:
                examples.setdefault(item['intent'], {}).setdefault(lang, ex[len(ex)//3])
intents = sorted(examples)
print(len(intents), 'intents', file=sys.stderr)
convs = []
for a, b in itertools.product(intents, intents):
    for lang in ('hu', 'en'):
        ea, eb = examples[a].get(lang), examples[b].get(lang)
        if ea and eb:
            convs.append((lang, [ea, eb]))
rng = random.Random(5)
for _ in range(200):
    lang = rng.choice(['hu', 'en'])
    seq = [rng.choice(intents) for _ in range(4)]
    texts = [examples[i].get(lang) for i in seq]
    if all(texts):
        convs.append((lang, texts))
print(len(convs), 'conversations', file=sys.stderr)
stacks = {}
tmp = pathlib.Path(tempfile.mkdtemp(prefix='h5-probe-'))
try:
    for label, model in (('first', sys.argv[1]), ('second', sys.argv[2])):
        stacks[label] = start_rasa_stack(tmp / label, credentials_url=f"http://127.0.0.1:{free_port()}",
            credentials_token=secrets.token_urlsafe(24), gateway_token=secrets.token_urlsafe(24),
            gateway_url=f"http://127.0.0.1:{free_port()}", model=pathlib.Path(model))
    def talk(stack, lang, texts):
        sender = f"probe-{uuid.uuid4().hex}"
        out = []
        with httpx.Client(timeout=60) as c:
            for t in texts:
                r = c.post(stack.rest_url, headers=stack.channel_headers, json={"sender": sender, "message": t,
                           "metadata": {"channel": "chat", "language": lang}})
                out.append([m.get('text', '')[:60] for m in r.json()] if r.status_code == 200 else [f'HTTP {r.status_code}'])
        return out
    diffs = 0
    def one(conv):
        lang, texts = conv
        return conv, talk(stacks['first'], lang, texts), talk(stacks['second'], lang, texts)
    with ThreadPoolExecutor(4) as pool:
        for conv, a, b in pool.map(one, convs):
            if a != b:
                diffs += 1
                print(json.dumps({"conv": conv, "first": a, "second": b}, ensure_ascii=False))
    print('differing', diffs, 'of', len(convs), file=sys.stderr)
finally:
    for s in stacks.values():
        s.stop()
