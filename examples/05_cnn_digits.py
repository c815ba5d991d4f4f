"""A small convolutional network on the 8x8 handwritten digits (shipped with the library).

    python examples/05_cnn_digits.py
"""

import numpy as np
from _common import epochs

import nn
import optim
from tinygrad_edu import manual_seed

manual_seed(0)
X, y = nn.data.load_digits()
X = X.reshape(-1, 1, 8, 8).astype(np.float32)
X_train, X_test, y_train, y_test = nn.data.train_test_split(X, y, test_size=0.25, random_state=0)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1, dtype=np.float32), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
    nn.Conv2d(16, 32, 3, padding=1, dtype=np.float32), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
    nn.Flatten(), nn.Linear(128, 10, dtype=np.float32),
)
print(model.summary((1, 8, 8)))
opt = optim.Adam(model.parameters(), lr=1e-2)
nn.fit(model, nn.cross_entropy, opt, X_train, y_train, epochs=epochs(15), batch_size=64)
print("test:", nn.evaluate(model, nn.cross_entropy, X_test, y_test))
