# gpuburst machine agent, part 1: model downloads (config.ts ships this file and agent.py as one program, this first;
# names such as CONF, ENV, state, lock, log and write_status come from agent.py and are looked up at call time).
#
# Why it is built this way (docs/models.md):
# - Tokens go only to their own hosts. Redirects are followed here, hop by hop, because Hugging Face hands the bytes
#   out from a signed URL on another host, and a token must never follow a redirect there.
# - A login page (HTML) or a 401/403 is an auth failure that names the token to set, never a saved "model".
# - Civitai URLs carry no file name: the name comes from Content-Disposition.
# - One stream is capped per connection by the CDNs: large files go in several Range requests at once, several
#   models at once, and a .part file (with its .part.json progress) is resumed rather than downloaded again.
# - With a model cache (GPUBURST_CACHE_DIR, a folder on a volume that outlives the machine), models are downloaded
#   there and linked into ComfyUI's models folder; a model the cache holds complete (the size its download saw, the
#   stated sha256) is linked without a download. A record per URL says what "complete" was, so a 20 GB file is not
#   hashed again on every start.
import hashlib
import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN_HOSTS = {"HF_TOKEN": ("huggingface.co", "hf.co"), "CIVITAI_TOKEN": ("civitai.com",)}
REDIRECTS = (301, 302, 303, 307, 308)


class AuthFailed(Exception):
    pass


def host_of(url):
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def token_for(m):
    # (env var, hosts it may be sent to). `auth:` names the variable; its host is the model URL's own.
    if m.get("auth"):
        return m["auth"], (host_of(m["url"]),)
    for name, hosts in TOKEN_HOSTS.items():
        if host_of(m["url"]) in hosts:
            return name, hosts
    return None, ()


def auth_message(m, name, token):
    where = "model %s/%s (%s)" % (m["folder"], m["name"], m["url"])
    if not name:
        return "%s needs a login: add `auth: <ENV VAR>` to the model and `modelTokens: true` to the batch" % where
    if not token:
        return "%s needs a token: set %s and `modelTokens: true` in the batch file" % (where, name)
    return "%s: %s was refused (accept the model's licence on its page, or check the token)" % (where, name)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def open_url(url, m, headers, timeout=120):
    name, hosts = token_for(m)
    token = ENV.get(name) if name else None
    for _ in range(10):
        h = dict(headers, **{"User-Agent": "gpuburst-agent"})
        if token and host_of(url) in hosts:
            h["Authorization"] = "Bearer " + token
        try:
            res = OPENER.open(urllib.request.Request(download_url(url), headers=h), timeout=timeout)
        except urllib.error.HTTPError as e:
            location = e.headers.get("Location")
            e.close()
            if e.code in REDIRECTS and location:
                url = urllib.parse.urljoin(url, location)
                continue
            if e.code in (401, 403):
                raise AuthFailed(auth_message(m, name, token))
            raise
        if "text/html" in (res.headers.get("Content-Type") or "").lower():
            res.close()
            raise AuthFailed(auth_message(m, name, token))
        return url, res
    raise ValueError("more than 10 redirects for %s" % m["url"])


def download_url(url):
    proxy = ENV.get("GPUBURST_DOWNLOAD_PROXY")  # simulators only: a stand-in for the internet
    if proxy:
        return proxy.rstrip("/") + "/fetch?url=" + urllib.parse.quote(url, safe="")
    return url


def disposition_name(value):
    if not value:
        return None
    star = re.search(r"filename\*\s*=\s*[^']*'[^']*'([^;]+)", value)
    plain = re.search(r'filename\s*=\s*(?:"([^"]+)"|([^;]+))', value)
    raw = urllib.parse.unquote(star.group(1)) if star else (plain.group(1) or plain.group(2)) if plain else ""
    name = os.path.basename(raw.strip().replace("\\", "/"))
    return name if name not in ("", ".", "..") else None


def plan_segments(have, total):
    # What is on disk already stays; the rest is cut into up to `connections` ranges of at least segmentBytes.
    rest = total - have
    n = max(1, min(int(CONF.get("connections", 8)), rest // int(CONF.get("segmentBytes", 32 << 20))))
    step = -(-rest // n) if rest else 0
    return [[s, s, min(s + step, total) - 1] for s in range(have, total, step)] if rest else []


def fetch_segment(url, m, part, seg, entry, save):
    # seg = [start, next, end]: bytes before `next` are on disk. Resumes from `next` after a broken connection.
    for attempt in range(3):
        if seg[1] > seg[2]:
            return
        try:
            _, res = open_url(url, m, {"Range": "bytes=%d-%d" % (seg[1], seg[2])})
            with res:
                if res.status != 206:
                    raise ValueError("the server ignored a Range request")
                fd = os.open(part, os.O_WRONLY)
                try:
                    while seg[1] <= seg[2]:
                        chunk = res.read(1 << 20)
                        if not chunk:
                            break
                        os.pwrite(fd, chunk, seg[1])
                        seg[1] += len(chunk)
                        with lock:
                            entry["bytes"] += len(chunk)
                        save()
                finally:
                    os.close(fd)
        except AuthFailed:
            raise
        except Exception as e:
            if attempt == 2:
                raise
            log("range %d-%d of %s broke (%s); resuming" % (seg[1], seg[2], m["url"], e))


def fetch_file(m, part, entry):
    # Returns the server's file name (Content-Disposition) or None.
    meta_path = part + ".json"
    url, res = open_url(m["url"], m, {"Range": "bytes=0-0"})
    name = disposition_name(res.headers.get("Content-Disposition"))
    total = int((res.headers.get("Content-Range") or "/0").rsplit("/", 1)[1] or 0) if res.status == 206 else None
    if total is None:  # no Range support: this answer is the whole file, one stream from the start
        with res, open(part, "wb") as out:
            for chunk in iter(lambda: res.read(1 << 20), b""):
                out.write(chunk)
                entry["bytes"] += len(chunk)
        return name
    res.close()
    segments = None
    if os.path.exists(meta_path) and os.path.exists(part):
        with open(meta_path) as f:
            meta = json.load(f)
        segments = meta["segments"] if meta.get("total") == total else None
    if segments is None:
        have = os.path.getsize(part) if os.path.exists(part) else 0
        segments = [[0, min(have, total), min(have, total) - 1]] + plan_segments(min(have, total), total)
    entry["bytes"] = sum(s[1] - s[0] for s in segments)
    with open(part, "ab") as f:
        f.truncate(total)
    last = [0.0]

    def save(force=False):
        if force or time.time() - last[0] > 1:
            last[0] = time.time()
            with lock:
                data = json.dumps({"total": total, "segments": segments})
            with open(meta_path + ".tmp", "w") as f:
                f.write(data)
            os.replace(meta_path + ".tmp", meta_path)

    save(True)
    errors = []
    threads = [threading.Thread(target=lambda s=s: run_or_keep(errors, fetch_segment, url, m, part, s, entry, save)) for s in segments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    save(True)
    if errors:
        raise errors[0]
    os.remove(meta_path)
    return name


def run_or_keep(errors, fn, *args):
    try:
        fn(*args)
    except Exception as e:
        errors.append(e)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest().lower()


def cache_record(cache, m):
    return os.path.join(cache, ".gpuburst", hashlib.sha1(m["url"].encode()).hexdigest() + ".json")


def cached_file(cache, m):
    # The cached file of this model's URL when it is complete and matches the stated sha256; else None.
    try:
        with open(cache_record(cache, m)) as f:
            rec = json.load(f)
        path = os.path.join(cache, m["folder"], rec["file"])
        if os.path.getsize(path) != rec["bytes"]:
            return None
        if m.get("sha256") and rec.get("sha256") != m["sha256"].lower():
            return None
        return path, rec["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(cache, m, path, rel, digest):
    record = cache_record(cache, m)
    os.makedirs(os.path.dirname(record), exist_ok=True)
    with open(record + ".tmp", "w") as f:
        json.dump({"url": m["url"], "file": rel, "bytes": os.path.getsize(path), "sha256": digest}, f)
    os.replace(record + ".tmp", record)


def link(path, target):
    # ComfyUI lists linked files like files (os.walk); a stale link or file of that name is replaced.
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(path, target)


def place_model(m):
    key = m["folder"] + "/" + m["name"]
    cache = ENV.get("GPUBURST_CACHE_DIR")
    target_dir = os.path.join(MODELS_DIR, m["folder"])
    planned = os.path.join(cache or MODELS_DIR, m["folder"], m["name"])
    entry = {"state": "downloading", "bytes": 0}
    with lock:
        state["models"][key] = entry
    try:
        os.makedirs(os.path.dirname(planned), exist_ok=True)
        hit = cached_file(cache, m) if cache else None
        if hit:
            link(hit[0], os.path.join(target_dir, hit[1]))
            entry.update(state="done", bytes=os.path.getsize(hit[0]), file=hit[1], cached=True)
            return
        if not cache and os.path.exists(planned) and (not m.get("sha256") or sha256_of(planned) == m["sha256"].lower()):
            entry.update(state="done", bytes=os.path.getsize(planned), file=m["name"])
            return
        # Machines of one session may share the cache: each downloads to its own part, the last rename wins.
        part = planned + (".%s.part" % ENV.get("GPUBURST_MACHINE_NAME", "machine") if cache else ".part")
        server_name = fetch_file(m, part, entry)
        digest = sha256_of(part) if m.get("sha256") else None
        if m.get("sha256") and digest != m["sha256"].lower():
            os.remove(part)
            raise ValueError("sha256 mismatch: expected %s" % m["sha256"])
        final = server_name if m.get("nameFromServer") and server_name else os.path.basename(m["name"])
        rel = os.path.join(os.path.dirname(m["name"]), final)
        path = os.path.join(os.path.dirname(planned), final)
        os.replace(part, path)
        if cache:
            remember(cache, m, path, rel, digest)
            link(path, os.path.join(target_dir, rel))
        entry.update(state="done", file=rel)
    except AuthFailed as e:
        entry.update(state="failed", code="auth", error=str(e)[:400])
        log("model %s: %s" % (key, e))
    except Exception as e:  # reported to the client through status.json
        entry.update(state="failed", error=str(e)[:300])
        log("model %s failed: %s" % (key, e))


def place_models():
    models = CONF.get("models", [])
    slots = threading.Semaphore(max(1, int(CONF.get("parallelModels", 3))))

    def one(m):
        with slots:
            place_model(m)
        write_status()

    threads = [threading.Thread(target=one, args=(m,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
