"""BLAS threads while training: one for small networks, BLAS's own for big ones."""

import numpy as np
from threadpoolctl import threadpool_info

from nnstudio.core.blas import limited_threads, training_threads


def _numpy_blas_threads():
    from nnstudio.core.blas import _controller

    return [lib["num_threads"] for lib in _controller().info()]


def test_small_networks_train_on_one_thread_and_big_ones_on_blas_default():
    assert training_threads((4, 12, 6, 3), 16) == 1  # iris
    assert training_threads((64, 128, 64, 10), 128) == 1  # W2: 2.2 million multiply-adds
    assert training_threads((784, 256, 128, 10), 128) is None  # MNIST-sized: 30 million


def test_the_limit_holds_inside_the_block_and_is_undone_after_it():
    before = _numpy_blas_threads()
    with limited_threads(1):
        assert _numpy_blas_threads() == [1] * len(before)
        a = np.ones((300, 300))
        np.testing.assert_allclose(a @ a, 300.0)
    assert _numpy_blas_threads() == before
    with limited_threads(None):
        assert _numpy_blas_threads() == before


def test_only_numpys_blas_is_limited():
    from nnstudio.core.blas import _controller

    ours = {lib["filepath"] for lib in _controller().info()}
    others = [lib for lib in threadpool_info() if lib["filepath"] not in ours]
    before = [lib["num_threads"] for lib in others]
    with limited_threads(1):
        inside = [lib["num_threads"] for lib in threadpool_info() if lib["filepath"] not in ours]
    assert inside == before
