export const composePlugins = [];
