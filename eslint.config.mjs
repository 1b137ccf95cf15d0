// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Dependency direction (house style §1): domain ← ports ← adapters/services; coordinator and worker never meet. */
const layering = [
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/coordinator/**', '**/worker/**'], message: 'shared/ must not depend on coordinator or worker' }] }],
    },
  },
  {
    files: ['shared/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/adapters/**', '**/coordinator/**', '**/worker/**'], message: 'the domain is pure' }],
        paths: ['etcd3', 'nats', '@grpc/grpc-js', '@tensorflow/tfjs', 'pino'].map((name) => ({ name, message: 'the domain does no I/O' })),
      }],
    },
  },
  {
    files: ['coordinator/src/**/*.ts'],
    ignores: ['coordinator/src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/worker/**'], message: 'the coordinator never imports the worker' }] }] },
  },
  {
    files: ['worker/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/coordinator/**'], message: 'the worker never imports the coordinator' }] }] },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', '.device/**', '.gpu/**', '.gl/**', 'shared/src/gen/**', 'coverage/**', 'helm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  ...layering,
);
