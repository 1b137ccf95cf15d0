import { describe, expect, it } from 'vitest';
import { UnlearningMethod } from '../../../shared/src/gen/lethe/v1/UnlearningMethod.js';
import { methodNames } from '../../../shared/src/ml/unlearning/registry.js';
import { METHOD_NAMES, methodEnum, methodName, methodNameOf } from './job-convert.js';

describe('the method table between the API enum and the registry', () => {
  it('names exactly the registry methods, one per enum value but UNSPECIFIED, both ways', () => {
    expect([...METHOD_NAMES].sort()).toEqual(methodNames().sort());
    const values = Object.values(UnlearningMethod).filter((v) => v !== 'UNLEARNING_METHOD_UNSPECIFIED');
    expect(values).toHaveLength(METHOD_NAMES.length);
    for (const value of values) {
      expect(METHOD_NAMES).toContain(methodNameOf(value));
      expect(methodName(value)).toBe(methodNameOf(value));
      expect(methodEnum(methodNameOf(value))).toBe(value);
    }
  });

  it('shows an enum value it has no name for as it came (a newer server), and refuses it as input', () => {
    expect(methodNameOf('UNLEARNING_METHOD_FUTURE')).toBe('UNLEARNING_METHOD_FUTURE');
    expect(methodNameOf(99)).toBe('99');
    expect(() => methodName('UNLEARNING_METHOD_FUTURE')).toThrow(/not a known method/);
    expect(methodEnum('no-such-method')).toBe('UNLEARNING_METHOD_UNSPECIFIED');
  });
});
