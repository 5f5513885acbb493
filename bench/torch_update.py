"""The PyTorch side of Engram's same-batch speed figures (`npm run bench -- --torch`).

One A2C update (loss, backward, global-norm clip 0.5, Adam) on a fixed trajectory, T=20, B=16, 32-d
input, 4 actions, single-threaded, written the plain PyTorch way, over:
  lstm: an LSTM(128) with fused gates, unrolled over T;
  rmc:  a Relational Memory Core as Engram's default (4 slots, 4 heads x 16, a LayerNorm on q/k/v,
        an MLP of 2 layers, unit gates with forget bias 1), one attention block per step.
Prints one JSON line per workload: {"bench": "torch/a2c/update/<core>-T20-B16", "value": median ms, "unit": "ms"}.

Debian's python3-torch uses the system BLAS, which is the slow reference BLAS unless libopenblas0-pthread
is installed; this script refuses to run then, since its figures would be 5-10x too slow.
Run: python3 bench/torch_update.py [lstm|rmc|all]
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)
T, B, D, A = 20, 16, 32, 4


def fast_blas():
    if "use_mkl=on" in torch.__config__.show().lower():
        return True
    with open("/proc/self/maps") as maps:
        return "openblas" in maps.read().lower()


def median_ms(update, seconds=2.0):
    for _ in range(5):
        update()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 10:
        t0 = time.perf_counter()
        update()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def linear(n_in, n_out):
    return (torch.randn(n_in, n_out) / n_in ** 0.5).requires_grad_(), torch.zeros(n_out, requires_grad=True)


def a2c_update(core_params, features):
    """An update function: `features()` unrolls the core and returns [T*B, H] for the policy and value heads."""
    actions = torch.randint(0, A, (T * B,))
    advantages, returns = torch.randn(T * B), torch.randn(T * B)
    h = features.width
    w_pi, b_pi = linear(h, A)
    w_v, b_v = linear(h, 1)
    params = core_params + [w_pi, b_pi, w_v, b_v]
    opt = torch.optim.Adam(params, lr=1e-9, eps=1e-5)

    def update():
        f = features()
        logp = torch.log_softmax(f @ w_pi + b_pi, -1)
        value = (f @ w_v + b_v).reshape(-1)
        pg = -(logp.gather(1, actions[:, None]).squeeze(1) * advantages).mean()
        vf = 0.5 * ((returns - value) ** 2).mean()
        entropy = -(logp.exp() * logp).sum(1).mean()
        loss = pg + 0.5 * vf - 0.01 * entropy
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()
        loss.item()
    return update


X = torch.randn(T, B, D)


def lstm():
    H = 128
    w, b = linear(D + H, 4 * H)

    def features():
        h, c, hs = torch.zeros(B, H), torch.zeros(B, H), []
        for t in range(T):
            i, f, g, o = (torch.cat([X[t], h], 1) @ w + b).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        return torch.stack(hs).reshape(T * B, H)
    features.width = H
    return a2c_update([w, b], features)


def layer_norm(x, gamma, beta):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + 1e-5) * gamma + beta


def rmc():
    N, K, dk = 4, 4, 16
    Dm = K * dk
    w_in, b_in = linear(D, Dm)
    w_qkv, b_qkv = linear(Dm, 3 * Dm)
    w_1, b_1 = linear(Dm, Dm)
    w_2, b_2 = linear(Dm, Dm)
    w_gx, b_gx = linear(Dm, 2 * Dm)
    w_gm, b_gm = linear(Dm, 2 * Dm)
    norms = [(torch.ones(n, requires_grad=True), torch.zeros(n, requires_grad=True)) for n in (3 * Dm, Dm, Dm)]
    params = [w_in, b_in, w_qkv, b_qkv, w_1, b_1, w_2, b_2, w_gx, b_gx, w_gm, b_gm] + [p for n in norms for p in n]
    S = N + 1

    def heads(t):
        return t.reshape(B, S, K, dk).transpose(1, 2)

    def features():
        memory, outputs = torch.eye(N, Dm).expand(B, N, Dm), []
        for t in range(T):
            x = X[t] @ w_in + b_in
            rows = torch.cat([memory, x[:, None, :]], 1)
            qkv = layer_norm(rows @ w_qkv + b_qkv, *norms[0]).reshape(B, S, K, 3 * dk).transpose(1, 2)
            q, k, v = qkv.split(dk, -1)
            att = torch.softmax(q @ k.transpose(-1, -2) / dk ** 0.5, -1) @ v
            a = layer_norm(rows + att.transpose(1, 2).reshape(B, S, Dm), *norms[1])
            a = layer_norm(a + torch.relu(a @ w_1 + b_1) @ w_2 + b_2, *norms[2])
            gates = (x @ w_gx + b_gx)[:, None, :] + torch.tanh(memory) @ w_gm + b_gm
            i, f = gates.chunk(2, -1)
            memory = torch.sigmoid(i) * torch.tanh(a[:, :N]) + torch.sigmoid(f + 1.0) * memory
            outputs.append(memory.reshape(B, N * Dm))
        return torch.stack(outputs).reshape(T * B, N * Dm)
    features.width = N * Dm
    return a2c_update(params, features)


if __name__ == "__main__":
    if not fast_blas():
        sys.exit("torch_update.py: torch runs the reference BLAS here; install libopenblas0-pthread and run again")
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    for name, make in (("lstm", lstm), ("rmc", rmc)):
        if which in (name, "all"):
            print(json.dumps({"bench": f"torch/a2c/update/{name}-T20-B16", "value": round(median_ms(make()), 2), "unit": "ms"}))
