// Written by bin/version.mjs from package.json's version (`npm version` runs it): do not edit.
export const version = "0.2.0"
