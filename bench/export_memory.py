#!/usr/bin/env python3
"""Export memory: does the server's RSS stay flat whether the export holds a
few thousand offers or ~100,000?  Starts `kyushoku demo` on a fresh SQLite
file, exports, ingests 100,000 generated offers through the batch endpoint,
exports again (NDJSON, then CSV in Shift_JIS), sampling the server's RSS
every 10 ms.  Usage:

    cargo build --release && python3 bench/export_memory.py

(KYUSHOKU_BIN picks another binary; WORK the scratch folder.)
"""
import json, os, shutil, subprocess, time, urllib.request, urllib.parse, threading, sys
BIN=os.environ.get("KYUSHOKU_BIN", "target/release/kyushoku")
WORK=os.environ.get("WORK", "/tmp/kyushoku-export-bench")
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
with open(WORK+"/offers.ndjson", "wb") as out:
    subprocess.run([BIN, "generate", "offers", "--count", "100000", "--seed", "9"], stdout=out, check=True)
lines = open(WORK+"/offers.ndjson", "rb").read().splitlines()
for i in range(0, len(lines), 10000):
    with open(WORK+f"/part_{i//10000:02d}", "wb") as part:
        part.write(b"\n".join(lines[i:i+10000]))
env=dict(os.environ, DATABASE_URL="sqlite://"+WORK+"/exp.db", KYUSHOKU_LOG="warn", KYUSHOKU_ANONYMOUS_RATE_LIMIT="100000", KYUSHOKU_RATE_LIMIT="100000")
p=subprocess.Popen([BIN,"demo","--bind","127.0.0.1:18090","--credentials-out",""+WORK+"/creds.json"],env=env,stderr=subprocess.DEVNULL)
while not os.path.exists(""+WORK+"/creds.json"): time.sleep(0.2)
time.sleep(0.5)
c=json.load(open(""+WORK+"/creds.json")); B=c["base_url"]
def tok(n):
    cl=c["clients"][n]
    d=urllib.parse.urlencode({"grant_type":"client_credentials","client_id":cl["client_id"],"client_secret":cl["client_secret"]}).encode()
    return json.load(urllib.request.urlopen(B+"/v1/auth/token",d))["access_token"]
def rss():
    for l in open(f"/proc/{p.pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])//1024
def export(token, query):
    peak=[0]; stop=[False]
    def watch():
        while not stop[0]:
            peak[0]=max(peak[0], rss()); time.sleep(0.01)
    t=threading.Thread(target=watch); t.start()
    before=rss(); t0=time.time()
    r=urllib.request.urlopen(urllib.request.Request(B+"/v1/job-offers/export?"+query,headers={"authorization":"Bearer "+token}))
    n=0; size=0
    while True:
        chunk=r.read(65536)
        if not chunk: break
        size+=len(chunk); n+=chunk.count(b"\n")
    dt=time.time()-t0; stop[0]=True; t.join()
    return before, peak[0], n, size, dt
org=tok("org_public")
print("idle RSS MB", rss())
b,pk,n,size,dt=export(org,"format=ndjson")
print(f"export of {n} offers: {size/1e6:.1f} MB in {dt:.2f}s, RSS before {b} MB, peak {pk} MB")
hw=tok("hw_system")
t0=time.time()
for f in sorted(x for x in os.listdir(WORK) if x.startswith("part_")):
    body=open(""+WORK+"/"+f,"rb").read()
    req=urllib.request.Request(B+"/v1/job-offers/batch",data=body,headers={"authorization":"Bearer "+hw,"content-type":"application/x-ndjson"})
    res=json.load(urllib.request.urlopen(req,timeout=600))
    bad=[r for r in res["results"] if r["status"]=="error"]
    assert not bad, bad[:2]
print(f"ingested 100000 offers in {time.time()-t0:.1f}s ({BIN}, SQLite)")
org=tok("org_public")
b,pk,n,size,dt=export(org,"format=ndjson")
print(f"export of {n} offers: {size/1e6:.1f} MB in {dt:.2f}s, RSS before {b} MB, peak {pk} MB")
b,pk,n,size,dt=export(org,"format=csv&encoding=shift_jis")
print(f"CSV Shift_JIS export of {n} lines: {size/1e6:.1f} MB in {dt:.2f}s, RSS before {b} MB, peak {pk} MB")
p.terminate(); p.wait()
