"""Make data/digits_cnn.pt: tda_nn.zoo.digits_cnn trained on scikit-learn's digits.

Run from the repository root:  python data/make_digits_checkpoint.py
Deterministic on the CPU (seed 0); takes a few seconds.
"""

from pathlib import Path

import torch
from sklearn.datasets import load_digits

from tda_nn.zoo import digits_cnn, train_classifier


def main() -> None:
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype("float32").reshape(-1, 1, 8, 8)
    torch.manual_seed(0)
    model = digits_cnn()
    acc = train_classifier(model, X, y, epochs=12, lr=5e-3, batch_size=64, seed=0)
    out = Path(__file__).resolve().parent / "digits_cnn.pt"
    torch.save(model.state_dict(), out)
    print(f"training accuracy {acc:.3f}; wrote {out}")


if __name__ == "__main__":
    main()
