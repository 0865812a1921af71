export const linearPlugins = [];
