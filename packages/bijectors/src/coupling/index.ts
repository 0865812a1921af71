export const couplingPlugins = [];
