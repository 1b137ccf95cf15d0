/**
 * The WebAssembly text of Lethe's batched matrix product for the wasm backend (compiled by `npm run
 * build:kernels` into `batch-matmul-wasm.ts`; a unit test checks the committed binary is this text compiled).
 *
 *   bmm(a, b, c, batch, m, kd, n, saB, saI, saL, sbB, scale, addend, bias, sBias, pre, res)
 *
 * computes, for every task t < batch, row i < m and column j < n:
 *
 *   p = Σ_l A[t,i,l]·B[t,l,j]             (l = 0, 1, …, kd−1, in that order)
 *   z = addend[t,i,j] + scale·p + bias[t·sBias + j]
 *   pre[t,i,j] = z;  C[t,i,j] = res[t,i,j] + relu(z)     (with a pre pointer: a relu layer)
 *   C[t,i,j] = res[t,i,j] + z                             (without)
 *
 * where a zero pointer leaves its term out (scale 1 is exact). That is a layer's product with its bias, its
 * activation and its residual in one pass: what a stage's blocks compute, without four passes over memory.
 * Pointers are byte offsets into the backend's own memory (imported, so tensors are read and written in place).
 * A[t, i, l] sits at element `t·saB + i·saI + l·saL` (a transposed A is just other strides); B[t] is row-major
 * [kd, n] at `t·sbB` (sbB = 0 shares one B); C, addend, pre and res are dense [batch, m, n]. The pre-activation
 * is what relu's gradient needs (z > 0), and a frozen layer's z is what the stage above it starts from.
 *
 *   mask_scale(dy, pre, out, count, scale): out = (pre > 0 ? dy : 0)·scale, elementwise (relu's gradient)
 *   gather_rows(src, rows, idx, dst, count, rowBytes): dst row i = src row idx[i] (traps on idx[i] ≥ rows)
 *   adam(g, p, outP, m, v, outM, outV, k, width, P, offset, bias1, bias2, active, lr, b1, b2, c1, c2, eps): one
 *     masked Adam step for a [k, width] parameter whose moments are columns offset.. of [k, P] matrices, in the
 *     order of TF.js's separate ops (m1 = m·b1 + g·c1, v1 = v·b2 + g²·c2, p − (m1/bias1 / (√(v1/bias2) + eps))·lr·on,
 *     m' = m1·on + m·(1 − on), v' likewise), each rounded as they round it
 *
 * Why kernels of our own: TF.js 4.22's wasm BatchMatMul with a batch dimension leaves XNNPACK for a generic loop,
 * XNNPACK's 2-D product pays an operator set-up whenever its right operand is a fresh tensor (every step of
 * training), and every elementwise op is one more pass over memory. Here one call serves every task of a group.
 *
 * Every output element is the same float32 sequence whatever the tile, the batch or the task's position in it
 * (each product and sum rounded; wasm never fuses a multiply-add), so a task's results are bit-equal in a group
 * of any size, and a scalar reference reproduces them exactly.
 *
 * Tiles: 4 rows × 8 columns (eight f32x4 accumulators), then 4 columns, then single columns; leftover rows one at
 * a time with the same column tiles. A's values are broadcast straight from memory (v128.load32_splat: 15–20 %
 * faster than a load and a splat). 4 × 8 measured fastest here against 4 × 12, 4 × 16, 6 × 8, 5 × 8, 3 × 12, 2 × 16
 * and 8 × 4, also against unrolling the inner loop by 2 or 4 and against column strips outermost: about 37 GFLOP/s
 * for 16 tasks' [64, 128]·[128, 128] on this machine's AMD EPYC core, where XNNPACK's 2-D product reached 22.
 */

const ROWS = 4;
const VECTORS = 2;

const get = (name: string): string => `(local.get $${name})`;
const set = (name: string, value: string): string => `(local.set $${name} ${value})`;
const add = (x: string, y: string): string => `(i32.add ${x} ${y})`;
const when = (pointer: string, ...then: string[]): string => `(if ${get(pointer)} (then ${then.join(' ')}))`;

/** The epilogue of one stored value `e` (a vector, or a scalar when `vector` is false) at byte `offset` of C. */
function epilogue(vector: boolean, offset: number, biasAt: string): string[] {
  const [load, store, addOp, mulOp, maxOp, zero] = vector
    ? ['v128.load', 'v128.store', 'f32x4.add', 'f32x4.mul', 'f32x4.max', '(v128.const i32x4 0 0 0 0)']
    : ['f32.load', 'f32.store', 'f32.add', 'f32.mul', 'f32.max', '(f32.const 0)'];
  const e = vector ? 'e' : 'es';
  const at = (pointer: string): string => `offset=${offset} ${add(get(pointer), get('off'))}`;
  return [
    set(e, `(${mulOp} ${get(e)} ${get(vector ? 'sv' : 'scale')})`),
    when('addend', set(e, `(${addOp} (${load} ${at('addend')}) ${get(e)})`)),
    when('bias', set(e, `(${addOp} ${get(e)} (${load} offset=${offset} ${biasAt}))`)),
    when('pre', `(${store} ${at('pre')} ${get(e)})`, set(e, `(${maxOp} ${get(e)} ${zero})`)),
    when('res', set(e, `(${addOp} (${load} ${at('res')}) ${get(e)})`)),
    `(${store} ${at('c')} ${get(e)})`,
  ];
}

function tile(rows: number, cols: number): string {
  const vectors = Math.floor(cols / 4);
  const out: string[] = [];
  const acc = (r: number, q: number): string => (vectors === 0 ? `s${r}` : `v${r * vectors + q}`);
  const accs = Math.max(vectors, 1);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < accs; q++) out.push(set(acc(r, q), vectors === 0 ? '(f32.const 0)' : '(v128.const i32x4 0 0 0 0)'));
    out.push(set(`pa${r}`, add(get('aBase'), `(i32.mul ${add(get('i'), `(i32.const ${r})`)} ${get('saI4')})`)));
  }
  out.push(set('pb', add(get('bBase'), `(i32.shl ${get('j')} (i32.const 2))`)));
  out.push(set('l', '(i32.const 0)'));
  const body: string[] = [];
  if (vectors > 0) {
    for (let q = 0; q < vectors; q++) body.push(set(`bv${q}`, `(v128.load offset=${16 * q} ${get('pb')})`));
  } else {
    body.push(set('bs', `(f32.load ${get('pb')})`));
  }
  for (let r = 0; r < rows; r++) {
    if (vectors > 0) {
      body.push(set('av', `(v128.load32_splat ${get(`pa${r}`)})`));
      for (let q = 0; q < vectors; q++) body.push(set(acc(r, q), `(f32x4.add ${get(acc(r, q))} (f32x4.mul ${get('av')} ${get(`bv${q}`)}))`));
    } else {
      body.push(set(acc(r, 0), `(f32.add ${get(acc(r, 0))} (f32.mul (f32.load ${get(`pa${r}`)}) ${get('bs')}))`));
    }
    body.push(set(`pa${r}`, add(get(`pa${r}`), get('saL4'))));
  }
  body.push(set('pb', add(get('pb'), get('nB'))));
  body.push(set('l', add(get('l'), '(i32.const 1)')));
  out.push(`(block $done (loop $next (br_if $done (i32.ge_u ${get('l')} ${get('kd')})) ${body.join(' ')} (br $next)))`);
  const biasAt = add(get('biasBase'), `(i32.shl ${get('j')} (i32.const 2))`);
  for (let r = 0; r < rows; r++) {
    // Byte offset of C[t, i + r, j] from C's start: addend, pre and res share C's layout.
    out.push(set('off', `(i32.sub ${add(get('cBase'), `(i32.shl ${add(`(i32.mul ${add(get('i'), `(i32.const ${r})`)} ${get('n')})`, get('j'))} (i32.const 2))`)} ${get('c')})`));
    if (vectors === 0) {
      out.push(set('es', get(acc(r, 0))), ...epilogue(false, 0, biasAt));
    }
    for (let q = 0; q < vectors; q++) out.push(set('e', get(acc(r, q))), ...epilogue(true, 16 * q, biasAt));
  }
  return out.join('\n      ');
}

/** Loops `body` over `index` in steps of `step` while a whole step fits below `limit`. */
function sweep(label: string, index: string, step: number, limit: string, body: string): string {
  return `(block $${label} (loop $${label}n (br_if $${label} (i32.gt_u ${add(get(index), `(i32.const ${step})`)} ${get(limit)}))\n      ${body}\n      ${set(index, add(get(index), `(i32.const ${step})`))} (br $${label}n)))`;
}

/** Row blocks (4 rows, then single rows), each swept by column tiles (8, then 4, then single columns). */
function rowBlocks(): string {
  return [
    set('i', '(i32.const 0)'),
    ...[ROWS, 1].map((rows) =>
      sweep(`r${rows}`, 'i', rows, 'm', [set('j', '(i32.const 0)'), ...[4 * VECTORS, 4, 1].map((cols) => sweep(`c${rows}_${cols}`, 'j', cols, 'n', tile(rows, cols)))].join('\n    ')),
    ),
  ].join('\n    ');
}

const MASK_SCALE = `(func (export "mask_scale") (param $dy i32) (param $pre i32) (param $out i32) (param $count i32) (param $scale f32)
    (local $at i32) (local $end i32) (local $end4 i32) (local $sv v128)
    ${set('sv', `(f32x4.splat ${get('scale')})`)}
    ${set('end', `(i32.shl ${get('count')} (i32.const 2))`)}
    ${set('end4', `(i32.shl (i32.and ${get('count')} (i32.const -4)) (i32.const 2))`)}
    (block $v (loop $vn (br_if $v (i32.ge_u ${get('at')} ${get('end4')}))
      (v128.store ${add(get('out'), get('at'))} (f32x4.mul (v128.and (v128.load ${add(get('dy'), get('at'))}) (f32x4.gt (v128.load ${add(get('pre'), get('at'))}) (v128.const i32x4 0 0 0 0))) ${get('sv')}))
      ${set('at', add(get('at'), '(i32.const 16)'))} (br $vn)))
    (block $s (loop $sn (br_if $s (i32.ge_u ${get('at')} ${get('end')}))
      (f32.store ${add(get('out'), get('at'))} (f32.mul (select (f32.load ${add(get('dy'), get('at'))}) (f32.const 0) (f32.gt (f32.load ${add(get('pre'), get('at'))}) (f32.const 0))) ${get('scale')}))
      ${set('at', add(get('at'), '(i32.const 4)'))} (br $sn))))`;

const GATHER_ROWS = `(func (export "gather_rows") (param $src i32) (param $rows i32) (param $idx i32) (param $dst i32) (param $count i32) (param $rowBytes i32)
    (local $i i32) (local $r i32)
    (block $g (loop $gn (br_if $g (i32.ge_u ${get('i')} ${get('count')}))
      ${set('r', `(i32.load ${add(get('idx'), `(i32.shl ${get('i')} (i32.const 2))`)})`)}
      (if (i32.ge_u ${get('r')} ${get('rows')}) (then unreachable))
      (memory.copy ${add(get('dst'), `(i32.mul ${get('i')} ${get('rowBytes')})`)} ${add(get('src'), `(i32.mul ${get('r')} ${get('rowBytes')})`)} ${get('rowBytes')})
      ${set('i', add(get('i'), '(i32.const 1)'))} (br $gn))))`;

/** The Adam update of one element (vector or scalar ops), leaving p', m', v' in locals np, nm, nv. */
function adamElement(vector: boolean, g: string, p: string, m: string, v: string): string[] {
  const [mul, addOp, sub, div, sqrt] = vector ? ['f32x4.mul', 'f32x4.add', 'f32x4.sub', 'f32x4.div', 'f32x4.sqrt'] : ['f32.mul', 'f32.add', 'f32.sub', 'f32.div', 'f32.sqrt'];
  const c = (name: string): string => get(vector ? `${name}v` : name);
  const [x, m1, v1, np, nm, nv] = vector ? ['xv', 'm1v', 'v1v', 'npv', 'nmv', 'nvv'] : ['xs', 'm1s', 'v1s', 'nps', 'nms', 'nvs'];
  return [
    set(x, g),
    set(m1, `(${addOp} (${mul} ${m} ${c('b1')}) (${mul} ${get(x)} ${c('c1')}))`),
    set(v1, `(${addOp} (${mul} ${v} ${c('b2')}) (${mul} (${mul} ${get(x)} ${get(x)}) ${c('c2')}))`),
    set(np, `(${sub} ${p} (${mul} (${mul} (${div} (${div} ${get(m1)} ${c('bias1')}) (${addOp} (${sqrt} (${div} ${get(v1)} ${c('bias2')})) ${c('eps')})) ${c('lr')}) ${c('on')}))`),
    set(nm, `(${addOp} (${mul} ${get(m1)} ${c('on')}) (${mul} ${m} ${c('off')}))`),
    set(nv, `(${addOp} (${mul} ${get(v1)} ${c('on')}) (${mul} ${v} ${c('off')}))`),
  ];
}

const ADAM = (() => {
  const scalars = ['b1', 'b2', 'c1', 'c2', 'eps', 'lr', 'bias1', 'bias2', 'on', 'off'];
  const at = (base: string, index: string): string => add(get(base), `(i32.shl ${index} (i32.const 2))`);
  // Element offsets: a parameter's [t, i] is t·width + i; its moments' [t, offset + i] is t·P + offset + i.
  const pi = add(`(i32.mul ${get('t')} ${get('width')})`, get('i'));
  const mi = add(`(i32.mul ${get('t')} ${get('P')})`, add(get('offset'), get('i')));
  const vectorBody = adamElement(true, `(v128.load ${at('g', pi)})`, `(v128.load ${at('p', pi)})`, `(v128.load ${at('m', mi)})`, `(v128.load ${at('v', mi)})`);
  const scalarBody = adamElement(false, `(f32.load ${at('g', pi)})`, `(f32.load ${at('p', pi)})`, `(f32.load ${at('m', mi)})`, `(f32.load ${at('v', mi)})`);
  return `(func (export "adam") (param $g i32) (param $p i32) (param $outP i32) (param $m i32) (param $v i32) (param $outM i32) (param $outV i32)
    (param $k i32) (param $width i32) (param $P i32) (param $offset i32) (param $biasA i32) (param $biasB i32) (param $active i32)
    (param $lr f32) (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32) (param $eps f32)
    (local $t i32) (local $i i32) (local $bias1 f32) (local $bias2 f32) (local $on f32) (local $off f32)
    ${scalars.map((n) => `(local $${n}v v128)`).join(' ')}
    (local $xv v128) (local $m1v v128) (local $v1v v128) (local $npv v128) (local $nmv v128) (local $nvv v128)
    (local $xs f32) (local $m1s f32) (local $v1s f32) (local $nps f32) (local $nms f32) (local $nvs f32)
    ${['b1', 'b2', 'c1', 'c2', 'eps', 'lr'].map((n) => set(`${n}v`, `(f32x4.splat ${get(n)})`)).join(' ')}
    (block $tasks (loop $task (br_if $tasks (i32.ge_u ${get('t')} ${get('k')}))
      ${set('bias1', `(f32.load ${at('biasA', get('t'))})`)}
      ${set('bias2', `(f32.load ${at('biasB', get('t'))})`)}
      ${set('on', `(f32.load ${at('active', get('t'))})`)}
      ${set('off', `(f32.sub (f32.const 1) ${get('on')})`)}
      ${['bias1', 'bias2', 'on', 'off'].map((n) => set(`${n}v`, `(f32x4.splat ${get(n)})`)).join(' ')}
      ${set('i', '(i32.const 0)')}
      (block $vec (loop $vecn (br_if $vec (i32.gt_u ${add(get('i'), '(i32.const 4)')} ${get('width')}))
        ${vectorBody.join(' ')}
        (v128.store ${at('outP', pi)} ${get('npv')}) (v128.store ${at('outM', mi)} ${get('nmv')}) (v128.store ${at('outV', mi)} ${get('nvv')})
        ${set('i', add(get('i'), '(i32.const 4)'))} (br $vecn)))
      (block $one (loop $onen (br_if $one (i32.ge_u ${get('i')} ${get('width')}))
        ${scalarBody.join(' ')}
        (f32.store ${at('outP', pi)} ${get('nps')}) (f32.store ${at('outM', mi)} ${get('nms')}) (f32.store ${at('outV', mi)} ${get('nvs')})
        ${set('i', add(get('i'), '(i32.const 1)'))} (br $onen)))
      ${set('t', add(get('t'), '(i32.const 1)'))} (br $task))))`;
})();

export function batchMatMulWat(): string {
  const v128 = Array.from({ length: VECTORS * ROWS }, (_, q) => `(local $v${q} v128)`).join(' ');
  const f32 = Array.from({ length: ROWS }, (_, r) => `(local $s${r} f32)`).join(' ');
  const pa = Array.from({ length: ROWS }, (_, r) => `(local $pa${r} i32)`).join(' ');
  const bv = Array.from({ length: VECTORS }, (_, q) => `(local $bv${q} v128)`).join(' ');
  return `(module
  (import "env" "memory" (memory 0))
  (func (export "bmm") (param $a i32) (param $b i32) (param $c i32) (param $batch i32) (param $m i32) (param $kd i32) (param $n i32)
    (param $saB i32) (param $saI i32) (param $saL i32) (param $sbB i32)
    (param $scale f32) (param $addend i32) (param $bias i32) (param $sBias i32) (param $pre i32) (param $res i32)
    (local $t i32) (local $i i32) (local $j i32) (local $l i32) (local $pb i32) (local $off i32)
    (local $aBase i32) (local $bBase i32) (local $cBase i32) (local $biasBase i32) (local $saI4 i32) (local $saL4 i32) (local $nB i32)
    (local $av v128) (local $sv v128) (local $e v128) (local $es f32) (local $bs f32) ${bv} ${v128} ${f32} ${pa}
    ${set('saI4', `(i32.shl ${get('saI')} (i32.const 2))`)}
    ${set('saL4', `(i32.shl ${get('saL')} (i32.const 2))`)}
    ${set('nB', `(i32.shl ${get('n')} (i32.const 2))`)}
    ${set('sv', `(f32x4.splat ${get('scale')})`)}
    ${set('t', '(i32.const 0)')}
    (block $tasks (loop $task (br_if $tasks (i32.ge_u ${get('t')} ${get('batch')}))
    ${set('aBase', add(get('a'), `(i32.shl (i32.mul ${get('t')} ${get('saB')}) (i32.const 2))`))}
    ${set('bBase', add(get('b'), `(i32.shl (i32.mul ${get('t')} ${get('sbB')}) (i32.const 2))`))}
    ${set('cBase', add(get('c'), `(i32.shl (i32.mul ${get('t')} (i32.mul ${get('m')} ${get('n')})) (i32.const 2))`))}
    ${set('biasBase', add(get('bias'), `(i32.shl (i32.mul ${get('t')} ${get('sBias')}) (i32.const 2))`))}
    ${rowBlocks()}
    ${set('t', add(get('t'), '(i32.const 1)'))}
    (br $task))))
  ${MASK_SCALE}
  ${GATHER_ROWS}
  ${ADAM})
`;
}
