import { Header } from './Header';
import { AboutMachine } from './panels/AboutMachine';

export function App() {
  return (
    <>
      <Header />
      <main className="notebook">
        <AboutMachine />
      </main>
    </>
  );
}
