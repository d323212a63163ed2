# gpuburst machine agent, part 0: custom node packs (shipped by config.ts only when the batch lists `nodes:`).
#
# Installed on the machine with git / the Comfy registry and pip, not through ComfyUI-Manager's HTTP API (which
# refuses remote installs on a listening server, shared/reference/machines-and-user-needs.md §2.1). ComfyUI loads
# custom nodes only at start, so it is restarted once after the packs are in. A failure names the pack and the
# last lines of the failing command's output, and the client ends the session before any prompt is queued.
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile


class PackFailed(Exception):
    pass


def run_step(pack, what, cmd, cwd=None):
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", PIP_NO_INPUT="1")
    res = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=float(CONF.get("nodeStepSeconds", 900)))
    if res.returncode != 0:
        tail = res.stdout.decode("utf-8", "replace").strip().splitlines()[-8:]
        raise PackFailed("%s: %s failed (exit %d): %s" % (pack["name"], what, res.returncode, " | ".join(tail)[-600:]))


def fetch_registry_pack(pack, target):
    registry = ENV.get("GPUBURST_NODE_REGISTRY", "https://api.comfy.org").rstrip("/")
    url = "%s/nodes/%s/install?version=%s" % (registry, urllib.parse.quote(pack["source"]), urllib.parse.quote(pack["ref"]))
    try:
        with urllib.request.urlopen(url, timeout=60) as res:
            download = json.loads(res.read())["downloadUrl"]
        with urllib.request.urlopen(download, timeout=600) as res:
            data = res.read()
    except urllib.error.HTTPError as e:
        raise PackFailed("%s: the registry has no version %s (HTTP %d)" % (pack["name"], pack["ref"], e.code))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for member in z.namelist():
            dest = os.path.realpath(os.path.join(target, member))
            if not dest.startswith(os.path.realpath(target) + os.sep):
                raise PackFailed("%s: the archive names a path outside its folder: %s" % (pack["name"], member))
        z.extractall(target)


def install_pack(pack, nodes_dir):
    target = os.path.join(nodes_dir, pack["name"])
    if os.path.isdir(target):  # an earlier install on this machine (resume): ComfyUI already knows it
        return
    tmp = target + ".installing"
    subprocess.run(["rm", "-rf", tmp])
    if pack["kind"] == "git":
        run_step(pack, "git clone", ["git", "clone", "--quiet", pack["source"], tmp])
        run_step(pack, "git checkout %s" % pack["ref"], ["git", "checkout", "--quiet", pack["ref"]], cwd=tmp)
    else:
        os.makedirs(tmp)
        fetch_registry_pack(pack, tmp)
    pip = json.loads(ENV.get("GPUBURST_PIP") or "null") or [sys.executable, "-m", "pip", "install"]
    if os.path.exists(os.path.join(tmp, "requirements.txt")):
        run_step(pack, "pip install -r requirements.txt", pip + ["-r", "requirements.txt"], cwd=tmp)
    if pack.get("pip"):
        run_step(pack, "pip install %s" % " ".join(pack["pip"]), pip + list(pack["pip"]))
    os.rename(tmp, target)


def install_nodes():
    # Returns False when a pack failed: models are then not downloaded (the session ends anyway).
    nodes_dir = ENV.get("GPUBURST_NODES_DIR") or os.path.join(os.path.dirname(MODELS_DIR), "custom_nodes")
    os.makedirs(nodes_dir, exist_ok=True)
    installed = False
    for pack in CONF.get("nodes", []):
        entry = {"state": "installing"}
        with lock:
            state.setdefault("nodes", {})[pack["name"]] = entry
        write_status()
        try:
            existed = os.path.isdir(os.path.join(nodes_dir, pack["name"]))
            install_pack(pack, nodes_dir)
            installed = installed or not existed
            entry["state"] = "done"
        except Exception as e:
            entry.update(state="failed", error=str(e)[:700] if isinstance(e, PackFailed) else "%s: %s" % (pack["name"], e))
            log("node pack %s" % entry["error"])
            write_status()
            return False
    if installed:
        # Both images run ComfyUI under supervisor; the command is the template's (GPUBURST_COMFY_RESTART).
        restart = ENV.get("GPUBURST_COMFY_RESTART", "supervisorctl restart comfyui")
        res = subprocess.run(restart, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if res.returncode != 0:
            log("restarting ComfyUI failed (exit %d): %s" % (res.returncode, res.stdout.decode("utf-8", "replace")[-300:]))
    with lock:
        state["nodesReady"] = True
    write_status()
    return True
