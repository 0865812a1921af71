/**
 * Typed errors. Every message names the argument, what was expected and what came, so a user can
 * fix the call without reading the library's source.
 */

/** Base class of every error Diffeo throws on purpose. */
export class DiffeoError extends Error {
  constructor(message: string) {
    super(message);
    // Minifiers rename classes, so each built-in subclass also names itself with a string.
    this.name = new.target === DiffeoError ? 'DiffeoError' : new.target.name;
  }
}

/** A tensor or array has the wrong rank or size. */
export class ShapeError extends DiffeoError {
  override name = 'ShapeError';
}

/** A configuration failed its schema, or options contradict each other. */
export class ConfigError extends DiffeoError {
  override name = 'ConfigError';
}

/** An input or a computed value is NaN or infinite where a finite number was required. */
export class NonFiniteError extends DiffeoError {
  override name = 'NonFiniteError';
}

/** A saved model cannot be read: unknown format, spec or weights that do not match. */
export class SerializationError extends DiffeoError {
  override name = 'SerializationError';
}

/** A backend cannot be used, or cannot be trusted with log-densities. */
export class BackendError extends DiffeoError {
  override name = 'BackendError';
}

/** A registry lookup failed: an unknown type, or a type registered twice. */
export class RegistryError extends DiffeoError {
  override name = 'RegistryError';
}

/**
 * Formats a shape for messages: `[128, 2]`.
 *
 * @example
 * ```ts
 * import { formatShape } from '@diffeo/core';
 *
 * formatShape([128, 2]); // '[128, 2]'
 * ```
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
