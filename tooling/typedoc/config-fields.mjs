// TypeDoc plugin, two parts. 1. A config type written as the input (or output) of its zod schema,
// `type XConfig = z.input<typeof schema>`, is documented as an interface with every field, its type
// and whether it is optional, instead of as the unexpanded `z.input<typeof schema>`; one that is not
// an object (an enum, or a config of several shapes) is documented as the type it resolves to. The
// schema stays the one place where options live; the docs read its fields through the type checker.
// 2. An error, failing the docs build, that lists the public functions without an @example.
import { Comment, Context, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

const ZOD_ALIAS = /^z\.(input|output|infer)</;

/** The type alias's declared type when it is spelt with a zod schema's type, else undefined. */
function schemaAliasType(checker, symbol) {
  const declaration = symbol.getDeclarations?.()?.[0];
  const text = declaration?.type?.getText?.();
  if (typeof text !== 'string' || !ZOD_ALIAS.test(text)) return undefined;
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** An object type, or an intersection of object types (a schema's fields plus extra ones). */
function isObjectLike(type) {
  if (type.isIntersection()) return type.types.every(isObjectLike);
  return (type.flags & ts.TypeFlags.Object) !== 0;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const getComment = Context.prototype.getComment;
  Context.prototype.getComment = function (symbol, kind) {
    const comment = getComment.call(this, symbol, kind);
    if (kind !== ReflectionKind.TypeAlias) return comment;
    const type = schemaAliasType(this.checker, symbol);
    if (type === undefined) return comment;
    const result = comment ?? new Comment();
    result.modifierTags.add(isObjectLike(type) ? '@interface' : '@useDeclaredType');
    return result;
  };
  app.logger.verbose('config-fields: zod config aliases documented as interfaces or resolved types');

  // Every public function shows its use: a function whose doc comment has no @example fails the build.
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const missing = [];
    for (const fn of context.project.getReflectionsByKind(ReflectionKind.Function)) {
      const comments = [fn.comment, ...(fn.signatures ?? []).map((s) => s.comment)];
      if (!comments.some((c) => c?.getTag('@example'))) missing.push(fn.getFullName());
    }
    if (missing.length > 0) {
      app.logger.error(`${missing.length} public functions have no @example: ${missing.sort().join(', ')}`);
    }
  });
}
