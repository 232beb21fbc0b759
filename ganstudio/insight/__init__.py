"""Quality monitors that tell why a GAN fails: MNIST class coverage with an MNIST-specific FID,
2D mode metrics, a near-identical-samples detector and plain-words warnings. No Qt here."""
