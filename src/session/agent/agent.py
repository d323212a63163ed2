# gpuburst machine agent: runs on the rented machine next to ComfyUI (python3, standard library only).
#
# 1. Places models (downloads.py, shipped ahead of this file): each model of the batch into ComfyUI's model folders.
# 2. Dead-man's switch: terminates its own machine through the provider's API when the client's heartbeat stops
#    for N minutes, when ComfyUI has been idle M minutes after the batch, at a maximum lifetime, or when the budget
#    is spent. The terminate request is declarative (the provider adapter's KillSwitch), so this file knows no cloud.
#
# Channel with the client: files in GPUBURST_IO_DIR (ComfyUI's input/gpuburst folder). The client uploads
# heartbeat.json there through ComfyUI's /upload/image; the agent writes status.json, which the client reads
# through /view. The agent's clock alone measures silence, so laptop and machine clocks never need to agree.
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request

ENV = os.environ


def joined(name):
    # Long values travel in chunks (Vast allows 256 characters per env entry): NAME_N, NAME_0 … NAME_{N-1}.
    if name + "_N" in ENV:
        return "".join(ENV[name + "_%d" % i] for i in range(int(ENV[name + "_N"])))
    return ENV.get(name, "")


CONF = json.loads(joined("GPUBURST_AGENT_CONFIG") or "{}")
IO_DIR = ENV.get("GPUBURST_IO_DIR", "/opt/ComfyUI/input/gpuburst")
MODELS_DIR = ENV.get("GPUBURST_MODELS_DIR", "/opt/ComfyUI/models")
COMFY_URL = ENV.get("GPUBURST_COMFY_URL", "http://127.0.0.1:8188").rstrip("/")
POLL = float(CONF.get("pollSeconds", 30))
START = time.time()
state = {"startedAt": START, "models": {}, "terminating": None, "terminated": False, "lastBeatAgeSeconds": None, "pid": os.getpid()}
lock = threading.Lock()


def log(msg):
    sys.stderr.write("gpuburst-agent: %s\n" % msg)
    sys.stderr.flush()


def expand(text):
    # ${VAR} from the environment; unknown variables stay empty so a missing id fails loudly at the API.
    return re.sub(r"\$\{(\w+)\}", lambda m: ENV.get(m.group(1), ""), text)


status_lock = threading.Lock()


def write_status():
    # Several threads write the status (watchdog, installs, downloads): one at a time, or one thread's rename takes
    # the temporary file from under another's and that thread dies with FileNotFoundError.
    with status_lock:
        with lock:
            data = json.dumps(state)
        tmp = os.path.join(IO_DIR, ".status.json.tmp")
        with open(tmp, "w") as f:
            f.write(data)
        os.replace(tmp, os.path.join(IO_DIR, "status.json"))


def http(method, url, headers=None, body=None, timeout=30):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method, headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return res.status, res.read()


# ---------------------------------------------------------------- watchdog
def read_heartbeat():
    try:
        with open(os.path.join(IO_DIR, "heartbeat.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def comfy_idle():
    token = ENV.get("WEB_TOKEN") or ENV.get("OPEN_BUTTON_TOKEN") or ""
    try:
        _, body = http("GET", COMFY_URL + "/queue", {"Authorization": "Bearer " + token}, timeout=10)
        q = json.loads(body)
        return not q.get("queue_running") and not q.get("queue_pending")
    except Exception:
        return False  # not answering is not idleness; the heartbeat and lifetime rules still apply


def terminate(reason):
    with lock:
        state["terminating"] = reason
    write_status()
    log("terminating this machine: " + reason)
    ks = CONF["killSwitch"]
    # APIs limited to about one request per second (Lambda) refuse a terminate sent right after the lookup: look the
    # id up once, then leave a gap before the terminate; a 429 is retried after its Retry-After.
    spacing = float(CONF.get("lookupSpacingSeconds", 1.1))
    while True:
        wait = max(POLL, 1)
        try:
            if ks.get("lookup") and not ENV.get("MACHINE_ID"):
                lk = ks["lookup"]
                _, body = http("GET", expand(lk["url"]), {k: expand(v) for k, v in lk["headers"].items()})
                items = json.loads(body)
                for part in [p for p in lk["listPath"].split(".") if p]:
                    items = items[part]
                name = lk.get("name") or ENV.get("GPUBURST_MACHINE_NAME")
                mine = [i for i in items if i.get(lk["nameField"]) == name]
                if not mine:
                    raise ValueError("machine %s not found by name" % name)
                ENV["MACHINE_ID"] = str(mine[0][lk["idField"]])
                time.sleep(spacing)
            t = ks["terminate"]
            body = expand(t["body"]) if t.get("body") else None
            status, _ = http(t["method"], expand(t["url"]), {k: expand(v) for k, v in t["headers"].items()}, body)
            log("terminate request answered %s" % status)
            with lock:
                state["terminated"] = True
            write_status()
            return
        except urllib.error.HTTPError as e:
            if e.code == 404:  # already gone
                return
            if e.code == 429:
                try:
                    wait = max(wait, float(e.headers.get("Retry-After") or 0))
                except ValueError:
                    pass
            log("terminate failed (%s); retrying in %.1f s" % (e.code, wait))
        except Exception as e:
            log("terminate failed (%s); retrying" % e)
        time.sleep(wait)


def watch():
    beat_minutes = float(CONF.get("heartbeatMinutes", 10))
    idle_minutes = float(CONF.get("idleMinutes", 10))
    max_minutes = float(CONF.get("maxLifetimeMinutes", 24 * 60))
    # While prompts end, the client's beats push the cap (lifetimeLeftMinutes from the beat), never past the ceiling.
    ceiling = START + float(CONF.get("lifetimeCeilingMinutes", max_minutes)) * 60
    deadline = START + max_minutes * 60
    usd_per_hour = float(CONF.get("usdPerHour", 0))
    budget = CONF.get("budgetUsd")
    # Billing began before the agent started (provisioning, image pull): count it against the budget.
    billed_before = float(CONF.get("billedBeforeStartSeconds", 0))
    last_seq, last_beat, idle_since = None, START, None
    while True:
        now = time.time()
        hb = read_heartbeat()
        if hb is not None and hb.get("seq") != last_seq:
            last_seq, last_beat = hb.get("seq"), now
            left = hb.get("lifetimeLeftMinutes")
            if isinstance(left, (int, float)) and not isinstance(left, bool) and left > 0:
                deadline = max(deadline, min(ceiling, now + float(left) * 60))
        if hb and hb.get("budgetUsd") is not None:
            budget = hb["budgetUsd"]
        with lock:
            state["lastBeatAgeSeconds"] = round(now - last_beat, 1)
        spent = (now - START + billed_before) * usd_per_hour / 3600
        if hb and hb.get("spentUsd") is not None:
            spent = max(spent, float(hb["spentUsd"]))
        reason = None
        if now - last_beat >= beat_minutes * 60:
            reason = "no heartbeat from the client for %.1f min" % ((now - last_beat) / 60)
        elif now >= deadline:
            reason = "maximum lifetime of %.1f min reached" % ((deadline - START) / 60)
        elif budget is not None and usd_per_hour > 0 and spent + usd_per_hour * POLL / 3600 >= float(budget):
            reason = "budget of $%.2f reached" % float(budget)
        elif hb and hb.get("batchDone"):
            if comfy_idle():
                idle_since = idle_since or now
                if now - idle_since >= idle_minutes * 60:
                    reason = "ComfyUI idle for %.1f min after the batch" % idle_minutes
            else:
                idle_since = None
        if reason:
            terminate(reason)
            return
        write_status()
        time.sleep(POLL)


def main():
    os.makedirs(IO_DIR, exist_ok=True)
    write_status()
    if CONF.get("killSwitch"):
        threading.Thread(target=watch, daemon=False).start()
    else:
        log("no kill switch: this machine relies on client-side teardown")
    if CONF.get("nodes") and not install_nodes():
        return
    place_models()


if __name__ == "__main__":
    main()
