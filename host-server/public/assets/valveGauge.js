// A quarter-turn valve's angle as a quarter-circle gauge: 0° (closed) to the right, 90° (open)
// straight up, the shaft as a needle, the travel so far as a filled arc and, while the valve
// moves, where it is headed as a tick.

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The gauge's pivot and radius in its 100 × 100 view box. */
const CX = 12;
const CY = 88;
const R = 74;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function at(deg, r = R) {
  const rad = (deg * Math.PI) / 180;
  return [CX + r * Math.cos(rad), CY - r * Math.sin(rad)];
}

function arc(deg) {
  const [x, y] = at(deg);
  return `M ${CX + R} ${CY} A ${R} ${R} 0 0 0 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

function clamp(deg) {
  return Math.min(90, Math.max(0, deg));
}

/** The gauge's element and `set(angle, target)`: angle null before the first report, target null at rest. */
export function valveGauge(testId) {
  const track = svg('path', { class: 'gauge-track', d: arc(90) });
  const fill = svg('path', { class: 'gauge-fill', d: arc(0) });
  const target = svg('line', { class: 'gauge-target', visibility: 'hidden' });
  const needle = svg('line', { class: 'gauge-needle', x1: CX, y1: CY, x2: CX + R, y2: CY });
  const hub = svg('circle', { class: 'gauge-hub', cx: CX, cy: CY, r: 4 });
  const el = svg('svg', { class: 'gauge', viewBox: '0 0 100 100', 'aria-hidden': 'true', 'data-testid': testId, 'data-angle': '' });
  el.append(track, fill, target, needle, hub);

  function set(angle, to) {
    el.dataset.angle = angle === null ? '' : String(angle);
    el.classList.toggle('gauge-unknown', angle === null);
    const a = clamp(angle ?? 0);
    fill.setAttribute('d', arc(a));
    const [nx, ny] = at(a, R - 6);
    needle.setAttribute('x2', nx.toFixed(2));
    needle.setAttribute('y2', ny.toFixed(2));
    if (to === null) {
      target.setAttribute('visibility', 'hidden');
      return;
    }
    const [x1, y1] = at(clamp(to), R - 9);
    const [x2, y2] = at(clamp(to), R + 9);
    target.setAttribute('x1', x1.toFixed(2));
    target.setAttribute('y1', y1.toFixed(2));
    target.setAttribute('x2', x2.toFixed(2));
    target.setAttribute('y2', y2.toFixed(2));
    target.setAttribute('visibility', 'visible');
  }

  return { el, set };
}
