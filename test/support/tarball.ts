// An npm package tarball built in memory (what `npm pack` makes, reduced to what installs need): no
// npm process, so the registries tests start serve packages at once.
import { gzipSync } from "node:zlib";

function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100, "ascii");
  header.write("0000000\0", 108, "ascii");
  header.write("0000000\0", 116, "ascii");
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  header.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8)}\0`, 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write("0", 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding]);
}

/** A gzipped tarball of `files` (paths like `package/package.json`), ended as tar requires. */
export function packageTarball(files: Record<string, string>): Buffer {
  const entries = Object.entries(files).map(([name, text]) => tarEntry(name, Buffer.from(text)));
  return gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
}
