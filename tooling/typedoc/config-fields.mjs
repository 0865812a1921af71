// TypeDoc plugin, two parts. 1. A config type written as the input (or output) of its zod schema,
// `type XConfig = z.input<typeof schema>`, is documented as an interface with every field, its type
// and whether it is optional, instead of as the unexpanded `z.input<typeof schema>`. The schema stays
// the one place where options live; the docs read its fields through the type checker. 2. A warning
// that lists the public functions without an @example.
import { Comment, Context, Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

const ZOD_ALIAS = /^z\.(input|output|infer)</;

/** An object type spelt as a zod schema's type: not a union (an enum, or a config of several shapes). */
function isSchemaObjectAlias(checker, symbol) {
  const declaration = symbol.getDeclarations?.()?.[0];
  const text = declaration?.type?.getText?.();
  if (typeof text !== 'string' || !ZOD_ALIAS.test(text)) return false;
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  return (type.flags & ts.TypeFlags.Object) !== 0;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const getComment = Context.prototype.getComment;
  Context.prototype.getComment = function (symbol, kind) {
    const comment = getComment.call(this, symbol, kind);
    if (kind !== ReflectionKind.TypeAlias || !isSchemaObjectAlias(this.checker, symbol)) return comment;
    const result = comment ?? new Comment();
    result.modifierTags.add('@interface');
    return result;
  };
  app.logger.verbose('config-fields: zod config aliases are documented as interfaces');

  // Every public function should show its use: list the ones whose doc comment has no @example.
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const missing = [];
    for (const fn of context.project.getReflectionsByKind(ReflectionKind.Function)) {
      const comments = [fn.comment, ...(fn.signatures ?? []).map((s) => s.comment)];
      if (!comments.some((c) => c?.getTag('@example'))) missing.push(fn.getFullName());
    }
    if (missing.length > 0) {
      app.logger.warn(`${missing.length} public functions have no @example: ${missing.sort().join(', ')}`);
    }
  });
}
