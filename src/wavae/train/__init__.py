"""One Trainer for every model: epochs, validation, step LR schedule, early stopping,
checkpoints, metrics log, loss plot, progress bar, resume, DDP under torchrun. Domain-free."""

from wavae.train.config import TrainConfig
from wavae.train.plots import plot_loss_curve
from wavae.train.trainer import Trainer, random_subset, resolve_device

__all__ = ["TrainConfig", "Trainer", "plot_loss_curve", "random_subset", "resolve_device"]
