// A sparkline of a sensor's recent values on a small canvas.

const COLOURS = { nominal: '#2a9d8f', warn: '#e9a400', error: '#d62839', failure: '#9d0208' };

/** Draw `history` (a History ring, or undefined for sensors that cannot be plotted) on `canvas`. */
export function drawSparkline(canvas, history, status) {
  // How many points are drawn, for the page tests (the canvas itself cannot be read back as values).
  canvas.dataset.points = String(history?.length ?? 0);
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (history === undefined || history.length < 2) return;
  const values = history.toArray();
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const pad = 2 * devicePixelRatio;
  const dx = (w - 2 * pad) / (values.length - 1);
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = pad + i * dx;
    const y = max === min ? h / 2 : h - pad - ((v - min) / span) * (h - 2 * pad);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.strokeStyle = COLOURS[status] ?? '#6c757d';
  ctx.lineWidth = 1.2 * devicePixelRatio;
  ctx.stroke();
}
