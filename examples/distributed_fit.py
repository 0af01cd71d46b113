"""Data-parallel SOM training with torch.distributed: every rank fits its own shard.

One machine, two processes (gloo on the CPU, over loopback)::

    torchrun --nproc_per_node=2 --master_addr=127.0.0.1 --master_port=29511 \\
        examples/distributed_fit.py --checkpoint som.ckpt

Every rank ends with the same weights; rank 0 writes the checkpoint at the end of each
epoch, and the same command run again after a failure resumes from it. On GPUs each rank
uses ``cuda:LOCAL_RANK`` and NCCL. See docs/scale.md for several nodes.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

import torch
import torch.distributed as dist

from torchsom import SOM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000, help="samples in all")
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--checkpoint", default=None, help="checkpoint file (resumed if present)")
    parser.add_argument("--out", default=None, help="rank 0 saves the trained map here")
    args = parser.parse_args()

    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    # the timeout bounds how long a rank waits for one that stopped answering
    dist.init_process_group("nccl" if cuda else "gloo", timeout=timedelta(seconds=60))
    rank, world = dist.get_rank(), dist.get_world_size()

    # each rank reads its own shard; here every rank draws the same data and keeps a slice
    data = torch.randn(args.samples, args.features, generator=torch.Generator().manual_seed(0))
    shard = data[rank::world]

    som = SOM(x=12, y=10, num_features=args.features, epochs=args.epochs, sigma=3.0,
              learning_rate=1.0, algorithm="batch", random_seed=0,
              device=f"cuda:{torch.cuda.current_device()}" if cuda else "cpu")
    som.initialize_weights(shard, mode="pca")  # rank 0's codebook is used by every rank
    errors, _ = som.fit(shard, verbose=rank == 0, distributed=True,
                        checkpoint=args.checkpoint, resume=args.checkpoint is not None)
    if rank == 0:
        print(f"ranks={world} samples/rank={len(shard)} final QE={errors[-1]:.4f}")
        if args.out:
            som.save(args.out)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
