export const autoregressivePlugins = [];
