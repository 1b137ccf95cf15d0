import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from './mnist.js';
import { loadFileDataset } from './file-dataset.js';
import { gatherRows, sampleIdsHash } from './dataset.js';
import { LetheError } from '../../errors/errors.js';
import { loadDatasetIndex } from './registry.js';
import { makeBlobs } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'lethe-data-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('MNIST from the mnist package', () => {
  it('splits 10,000 digits by index into disjoint public, user and test sets with stable ids', () => {
    const d = loadMnist();
    expect(d.ids).toHaveLength(10_000);
    expect(d.split.public.length + d.split.user.length + d.split.test.length).toBe(10_000);
    const all = new Set([...d.split.public, ...d.split.user, ...d.split.test]);
    expect(all.size).toBe(10_000);
    expect(d.ids[0]).toBe('mnist-0-0000');
    expect(new Set(d.ids).size).toBe(10_000);
    expect(d.split.test.length).toBeGreaterThan(1900);
    const { x, y } = gatherRows(d, [d.split.test[0] as number]);
    expect(x.length).toBe(784);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(y[0]).toBe(0);
  });
});

describe('file datasets', () => {
  it('loads CSV with id, label and feature columns', () => {
    const d = loadFileDataset({ path: file('ok.csv', 'id,label,a,b,split\nx1,0,0.5,1,user\nx2,2,1.5,-1,test\nx3,1,2,3,public\n') });
    expect(d.ids).toEqual(['x1', 'x2', 'x3']);
    expect(Array.from(d.x)).toEqual([0.5, 1, 1.5, -1, 2, 3]);
    expect(d.outputs).toBe(3);
    expect(Array.from(d.split.user)).toEqual([0]);
    expect(Array.from(d.split.test)).toEqual([1]);
  });

  it('loads JSONL with a features array and a regression target', () => {
    const d = loadFileDataset({ path: file('ok.jsonl', '{"id":"a","label":1.5,"features":[1,2]}\n\n{"id":"b","label":-0.5,"features":[3,4]}\n'), task: 'regression' });
    expect(d.task).toBe('regression');
    expect(Array.from(d.y)).toEqual([1.5, -0.5]);
    expect(d.inputShape).toEqual([2]);
  });

  it.each([
    { name: 'bad.csv', text: 'id,label,a\nx1,0,1\nx2,0,abc\n', want: /bad\.csv line 3: column 'a' is not a number/ },
    { name: 'dup.csv', text: 'id,label,a\nx1,0,1\nx1,1,2\n', want: /dup\.csv line 3: duplicate id 'x1'/ },
    { name: 'label.csv', text: 'id,label,a\nx1,0.5,1\n', want: /label\.csv line 2: column 'label' must be a class index/ },
    { name: 'noid.jsonl', text: '{"id":"a","label":0,"features":[1]}\n{"label":0,"features":[1]}\n', want: /noid\.jsonl line 2: missing id column 'id'/ },
    { name: 'json.jsonl', text: '{"id":"a","label":0,"features":[1]}\n{oops\n', want: /json\.jsonl line 2: invalid JSON/ },
    { name: 'width.jsonl', text: '{"id":"a","label":0,"features":[1,2]}\n{"id":"b","label":0,"features":[1]}\n', want: /width\.jsonl line 2: expected 2 features, got 1/ },
    { name: 'split.csv', text: 'id,label,a,split\nx1,0,1,train\n', want: /split\.csv line 2: column 'split' must be public, user or test/ },
    { name: 'data.txt', text: 'x', want: /unsupported file type/ },
  ])('names the line and the problem: $name', ({ name, text, want }) => {
    expect(() => loadFileDataset({ path: file(name, text) })).toThrow(want);
  });

  it('hashes the sorted id list', () => {
    expect(sampleIdsHash(['b', 'a'])).toBe(sampleIdsHash(['a', 'b']));
    expect(sampleIdsHash(['a'])).not.toBe(sampleIdsHash(['a', 'b']));
  });
});

describe('file datasets are named by their content', () => {
  it('reports the sha256 of the bytes, and refuses a file that no longer has the sha256 a run names', () => {
    const text = 'id,label,a,b\nr1,0,1,2\nr2,1,3,4\n';
    const path = file('named.csv', text);
    const d = loadFileDataset({ path });
    expect(d.contentDigest).toBe(createHash('sha256').update(text).digest('hex'));
    expect(loadFileDataset({ path, sha256: d.contentDigest as string }).ids).toEqual(['r1', 'r2']);
    writeFileSync(path, `${text}r3,0,5,6\n`);
    expect(() => loadFileDataset({ path, sha256: d.contentDigest as string })).toThrow(/changed since the run was created/);
  });

  it('refuses what it must not read before reading it: unsupported names, devices, directories', () => {
    expect(() => loadFileDataset({ path: '/dev/zero' })).toThrow(/unsupported file type/);
    expect(() => loadFileDataset({ path: join(dir, 'missing.csv') })).toThrow(/ENOENT/);
    expect(() => loadFileDataset({ path: dir + '.csv' })).toThrow(LetheError);
  });
});

describe('dataset index (what the coordinator keeps)', () => {
  it('gives the same ids, splits and shape as the full dataset, without features', () => {
    const spec = { builtin: 'blobs' as const, samples: 5000, features: 8, classes: 3, publicFraction: 0.1, testFraction: 0.3, idColumn: 'id', labelColumn: 'label', task: 'classification' as const, stride: 1 };
    const full = makeBlobs({ samples: 5000, features: 8, classes: 3, publicFraction: 0.1, testFraction: 0.3 });
    const index = loadDatasetIndex(spec);
    expect(index).not.toHaveProperty('x');
    expect(index).not.toHaveProperty('y');
    expect(index.ids).toEqual(full.ids);
    expect(index.split).toEqual(full.split);
    expect({ inputShape: index.inputShape, outputs: index.outputs, task: index.task }).toEqual({ inputShape: full.inputShape, outputs: full.outputs, task: full.task });
    const path = file('indexed.csv', 'id,label,a\nq1,0,1\nq2,1,2\n');
    const fromFile = loadDatasetIndex({ ...spec, builtin: undefined, uri: path });
    expect(fromFile).not.toHaveProperty('x');
    expect(fromFile.ids).toEqual(['q1', 'q2']);
    expect(fromFile.contentDigest).toMatch(/^[0-9a-f]{64}$/);
  });
});
