package com.lifecycleorchestrator.core;

/** What Auto Scaling is told to do with the held instance. */
public enum LifecycleResult {
  CONTINUE,
  ABANDON
}
