package com.lifecycleorchestrator.simulation;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * The calls one user of the shared fakes makes (the reconciler), which the fakes' own counts, kept
 * per operation for everyone at once, cannot tell apart.
 */
final class CallCount {

  private int calls;

  /** The port, each of whose calls is counted here and then made on {@code target}. */
  <T> T of(Class<T> port, T target) {
    return port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port}, (proxy, method, args) -> {
      if (method.getDeclaringClass() != Object.class) {
        calls++;
      }
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException failed) {
        throw failed.getCause();
      }
    }));
  }

  int calls() {
    return calls;
  }
}
