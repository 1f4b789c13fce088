/** Kept equal to package.json's version (a test checks it); no JSON import so the worker bundle stays lean. */
export const VERSION = "0.1.0";
