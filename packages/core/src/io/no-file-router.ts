// Outside Node there is no file system: `file://` URLs find no handler and `save`/`load` say so.
export {};
