// An address that refuses connections, for the scripts' "nothing answers there" cases. Closing a fake
// and dialing its old port raced with the fakes other tests start at the same moment: one of them
// could be given the freed port (a clean-clone run saw the bootstrap script get HTTP 401 from another
// test's HyperDX). Here a server keeps the port on 127.0.0.1, so nothing else can bind it (not even on
// 0.0.0.0), and the URL names 127.0.0.2 on that port, where nothing listens: Linux routes all of
// 127.0.0.0/8 to the loopback interface and refuses the connection. Elsewhere, where only 127.0.0.1
// may exist, it falls back to a closed port.
import * as net from "net";

export async function refusedUrl(): Promise<{ url: string; release(): Promise<void> }> {
    const holder = net.createServer();
    await new Promise<void>((resolve, reject) => holder.once("error", reject).listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const release = () => new Promise<void>((resolve) => holder.close(() => resolve()));
    if (process.platform === "linux") return { url: `http://127.0.0.2:${port}`, release };
    await release();
    return { url: `http://127.0.0.1:${port}`, release: async () => undefined };
}
