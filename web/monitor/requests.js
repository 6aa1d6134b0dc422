// The request panel: a device's requests with their help text, and (only when the monitor
// runs with --allow-requests) a form that sends one and shows the reply.
import { splitArgs } from './format.js';

export class RequestPanel {
  constructor({ allow, token }) {
    this.allow = allow;
    this.token = token;
    this.devices = new Map();
    this.select = document.getElementById('req-device');
    this.list = document.getElementById('req-list');
    this.form = document.getElementById('req-form');
    this.name = document.getElementById('req-name');
    this.args = document.getElementById('req-args');
    this.send = document.getElementById('req-send');
    this.reply = document.getElementById('req-reply');
    const mode = document.getElementById('req-mode');
    if (allow) {
      mode.textContent = 'Requests are enabled: what you send here goes to the device.';
    } else {
      mode.textContent = 'Read-only: start katcp monitor with --allow-requests to send requests from this page.';
      mode.classList.add('read-only');
      this.send.disabled = true;
      this.args.disabled = true;
    }
    this.select.addEventListener('change', () => this.#renderList());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit();
    });
  }

  /** A device's state or requests changed. */
  setDevice(device) {
    const known = this.devices.get(device.name);
    this.devices.set(device.name, device);
    if (known === undefined) {
      const option = document.createElement('option');
      option.value = device.name;
      option.textContent = device.name;
      this.select.append(option);
    }
    if (this.select.value === device.name && JSON.stringify(known?.requests) !== JSON.stringify(device.requests)) this.#renderList();
  }

  #renderList() {
    const device = this.devices.get(this.select.value);
    const items = (device?.requests ?? []).map((r) => {
      const li = document.createElement('li');
      li.dataset.request = r.name;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = r.name;
      button.addEventListener('click', () => {
        this.name.value = r.name;
        if (this.allow) this.args.focus();
      });
      const help = document.createElement('span');
      help.className = 'help';
      help.textContent = r.description + (r.timeoutHint ? ` (timeout hint ${r.timeoutHint} s)` : '');
      li.append(button, help);
      return li;
    });
    this.list.replaceChildren(...items);
  }

  async #submit() {
    if (!this.allow || this.name.value === '') return;
    const body = { device: this.select.value, request: this.name.value, args: splitArgs(this.args.value) };
    this.send.disabled = true;
    this.reply.classList.remove('failed');
    this.reply.textContent = `?${body.request} ${body.args.join(' ')}…`;
    try {
      const res = await fetch('/api/request', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-katcp-token': this.token },
        body: JSON.stringify(body),
      });
      const answer = await res.json();
      if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`);
      this.reply.textContent = answer.text;
      this.reply.classList.toggle('failed', !answer.succeeded);
    } catch (err) {
      this.reply.textContent = `error: ${err.message}`;
      this.reply.classList.add('failed');
    } finally {
      this.send.disabled = false;
    }
  }
}
