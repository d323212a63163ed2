// The floor under comfy-scale: the same wire work per prompt with no gpuburst code and no HTTP or websocket library
// beyond undici's bare `dispatch`: queue a prompt, receive every websocket frame ComfyUI sends for it, fetch its
// image, write it to a file and rename it. The websocket is a raw socket (handshake by hand, frames never decoded:
// the bytes are only searched for the output's name and the end marker), so this is what Node itself costs on this
// machine for the frames, the two requests and the file. A measuring instrument only; it checks nothing.
// `quiet: true` does the wire work of gpuburst's runner since session 4 instead: the prompts carry a client id no
// socket has, so only the queue's `status` frames arrive (three a prompt); each drop of `queue_remaining` is followed
// by a `/history` read, parsed, whose new entries are pulled: a drop of one reads the oldest prompt in flight by its id
// (`/history/<id>`), a larger drop (or an id not found) the newest N entries (`?max_items=N`), as gpuburst's tracker.
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { Agent } = require('undici');

// In the order they come: an `executed` frame's first image, then the prompt's end (`executing` with node null).
const MARKS = /"images": ?\[\{"filename": ?"([^"]+)", ?"subfolder": ?"([^"]*)"|"node": ?null, ?"prompt_id": ?"([0-9a-f-]{36})"/g;

const QUEUE = /"queue_remaining": ?(\d+)\}/g;

/** Runs `count` prompts (made by `promptJson(i)`), `ahead` in flight; resolves with the CPU it used (µs). */
function runBare({ url, token, count, ahead = 3, promptJson, outDir, quiet = false }) {
  const u = new URL(url);
  const clientId = crypto.randomBytes(16).toString('hex');
  const promptClientId = quiet ? crypto.randomBytes(16).toString('hex') : clientId;
  const agent = new Agent();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const files = new Map(); // prompt id → [filename, subfolder]
  const call = (method, p, body, sink) =>
    new Promise((resolve, reject) => {
      const chunks = [];
      agent.dispatch({ origin: u.origin, path: p, method, headers, body }, {
        onConnect() {},
        onHeaders: () => true,
        onData: (c) => (sink ? sink(c) : chunks.push(c), true),
        onComplete: () => resolve(chunks),
        onError: reject,
      });
    });
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let tail = '';
    let cpu0;
    let image;
    const ended = new Set();
    const mine = new Set();
    let remaining;
    let rest = '';
    let endedSince = 0;
    let reading = false;
    const sweep = async () => {
      if (reading) return;
      reading = true;
      const take = (id, e) => {
        mine.delete(id);
        const img = Object.values(e.outputs)[0].images[0];
        files.set(id, [img.filename, img.subfolder]);
        pull(id).catch(reject);
      };
      while (endedSince > 0) {
        const ended = endedSince;
        endedSince = 0;
        // One end: the oldest prompt in flight, read by its id; otherwise (or not found) the newest entries.
        const oldest = ended === 1 ? mine.values().next().value : undefined;
        if (oldest !== undefined) {
          const entry = JSON.parse(Buffer.concat(await call('GET', `/history/${oldest}`)).toString())[oldest];
          if (entry) {
            take(oldest, entry);
            continue;
          }
        }
        const entries = JSON.parse(Buffer.concat(await call('GET', `/history?max_items=${ended + mine.size}`)).toString());
        for (const [id, e] of Object.entries(entries)) if (mine.has(id)) take(id, e);
      }
      reading = false;
    };
    const send = () => {
      const id = crypto.randomUUID();
      sent++;
      mine.add(id);
      call('POST', '/prompt', `{"prompt":${promptJson(sent)},"prompt_id":"${id}","client_id":"${promptClientId}"}`).catch(reject);
    };
    const pull = async (id) => {
      const [filename, subfolder] = files.get(id);
      files.delete(id);
      const dest = path.join(outDir, `${id}.png`);
      const fd = fs.openSync(`${dest}.part`, 'wx');
      await call('GET', `/view?filename=${encodeURIComponent(filename)}&subfolder=${encodeURIComponent(subfolder)}&type=output`, undefined, (c) => fs.writeSync(fd, c));
      fs.closeSync(fd);
      fs.renameSync(`${dest}.part`, dest);
      if (++done === count) {
        const cpu = process.cpuUsage(cpu0);
        socket.destroy();
        agent.close().then(() => resolve(cpu));
      } else if (sent < count) send();
    };
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`GET /ws?clientId=${clientId} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('error', reject);
    socket.on('data', (data) => {
      if (cpu0 === undefined) {
        cpu0 = process.cpuUsage();
        for (let i = 0; i < ahead; i++) send();
      }
      // Frames are searched as text, with the end of the previous read kept in case a mark straddles two reads
      // (a mark found twice is harmless: an end is taken once, and an image name is only kept until its end).
      const text = tail + data.toString('latin1');
      tail = text.slice(-160);
      if (quiet) {
        // Only `status` frames come: their counts in order, each read once (what follows the last one is kept, as a
        // count can straddle two reads).
        const chunk = rest + data.toString('latin1');
        QUEUE.lastIndex = 0;
        let end = 0;
        for (let m = QUEUE.exec(chunk); m; m = QUEUE.exec(chunk)) {
          const r = Number(m[1]);
          if (remaining !== undefined && r < remaining) endedSince += remaining - r;
          remaining = r;
          end = QUEUE.lastIndex;
        }
        rest = chunk.slice(Math.max(end, chunk.length - 64));
        if (endedSince > 0) sweep().catch(reject);
        return;
      }
      MARKS.lastIndex = 0;
      for (let m = MARKS.exec(text); m; m = MARKS.exec(text)) {
        if (m[1] !== undefined) image = [m[1], m[2]];
        else if (image && !ended.has(m[3])) {
          ended.add(m[3]);
          files.set(m[3], image);
          image = undefined;
          pull(m[3]).catch(reject);
        }
      }
    });
  });
}

/** `sd15Prompt`'s JSON for seed `base + i`, from one parsed template (not the file read again per prompt). */
function promptJsonFrom(template, base) {
  return (i) => {
    template['3'].inputs.seed = base + i;
    return JSON.stringify(template);
  };
}

module.exports = { runBare, promptJsonFrom };

// Run as a child (`node comfy-bare.js '<json>'`): the floor in a process of its own, cold as gpuburst's whole run is.
// Prints {user, system} (µs) as one JSON line.
if (require.main === module) {
  const { sd15Prompt } = require('./comfy-common');
  const o = JSON.parse(process.argv[2]);
  runBare({ ...o, promptJson: promptJsonFrom(sd15Prompt(0, 20, 'bare/ComfyUI'), 3e6) }).then(
    (cpu) => console.log(JSON.stringify(cpu)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
