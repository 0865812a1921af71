import { describe, expect, it } from 'vitest';
import {
  BackendError,
  ConfigError,
  DiffeoError,
  NonFiniteError,
  RegistryError,
  SerializationError,
  ShapeError,
} from './errors.js';

describe('error names', () => {
  it('are string literals, so minified bundles (which rename classes) still say BackendError', () => {
    const classes = [
      ShapeError,
      ConfigError,
      NonFiniteError,
      SerializationError,
      BackendError,
      RegistryError,
    ];
    const names = [
      'ShapeError',
      'ConfigError',
      'NonFiniteError',
      'SerializationError',
      'BackendError',
      'RegistryError',
    ];
    classes.forEach((Class, i) => {
      const error = new Class('m');
      expect(error.name).toBe(names[i]);
      expect(String(error)).toBe(`${names[i]}: m`);
      expect(error).toBeInstanceOf(DiffeoError);
    });
    expect(new DiffeoError('m').name).toBe('DiffeoError');
  });

  it("take a user subclass's own class name", () => {
    class MyBijectorError extends DiffeoError {}
    expect(new MyBijectorError('m').name).toBe('MyBijectorError');
  });
});
